using Baton.Core.AgentProtocol;
using Baton.Storage.Model;
using Baton.Storage.Serialization;

namespace Baton.Storage.Relational;

/// <summary>One row of <c>agents</c>, as both backends read and write it.</summary>
internal sealed class AgentRow
{
    private static readonly string[] All =
        ["id", "tenant_id", "name", "credential_hash", "state", "capabilities", "resources", "slots", "version", "registered_at", "last_heartbeat_at"];

    public static readonly string Select = Columns.Select(All);
    public static readonly string Insert = $"INSERT INTO agents ({Columns.Names(All)}) VALUES ({Columns.Values(All)});";

    public const string Online = "online";
    public const string Offline = "offline";

    public string Id { get; set; } = "";
    public string TenantId { get; set; } = "";
    public string Name { get; set; } = "";
    public string CredentialHash { get; set; } = "";
    public string State { get; set; } = "";
    public JsonText Capabilities { get; set; }
    public JsonText Resources { get; set; }
    public int Slots { get; set; }
    public string Version { get; set; } = "";
    public DateTimeOffset RegisteredAt { get; set; }
    public DateTimeOffset? LastHeartbeatAt { get; set; }

    public static AgentState ParseState(string text) => text switch
    {
        Online => AgentState.Online,
        Offline => AgentState.Offline,
        _ => throw new InvalidDataException($"Unknown agent state '{text}'."),
    };

    public AgentRecord ToRecord() => new(
        Id, TenantId, Name, CredentialHash, ParseState(State),
        StoredJson.Deserialize<AgentCapabilities>(Capabilities.Text), StoredJson.Deserialize<AgentResources>(Resources.Text),
        Slots, Version, RegisteredAt, LastHeartbeatAt);
}
