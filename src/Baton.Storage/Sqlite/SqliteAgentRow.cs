using Baton.Core.AgentProtocol;
using Baton.Storage.Model;
using Baton.Storage.Serialization;

namespace Baton.Storage.Sqlite;

/// <summary>One row of <c>agents</c> as Dapper reads it; <see cref="Columns"/> is the matching select list.</summary>
internal sealed class SqliteAgentRow
{
    public const string Columns =
        "id AS Id, tenant_id AS TenantId, name AS Name, credential_hash AS CredentialHash, state AS State, " +
        "capabilities AS Capabilities, resources AS Resources, slots AS Slots, version AS Version, " +
        "registered_at AS RegisteredAt, last_heartbeat_at AS LastHeartbeatAt";

    public const string Online = "online";
    public const string Offline = "offline";

    public string Id { get; set; } = "";
    public string TenantId { get; set; } = "";
    public string Name { get; set; } = "";
    public string CredentialHash { get; set; } = "";
    public string State { get; set; } = "";
    public string Capabilities { get; set; } = "";
    public string Resources { get; set; } = "";
    public long Slots { get; set; }
    public string Version { get; set; } = "";
    public long RegisteredAt { get; set; }
    public long? LastHeartbeatAt { get; set; }

    public static string ToText(AgentState state) => state switch
    {
        AgentState.Online => Online,
        AgentState.Offline => Offline,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static AgentState ParseState(string text) => text switch
    {
        Online => AgentState.Online,
        Offline => AgentState.Offline,
        _ => throw new InvalidDataException($"Unknown agent state '{text}'."),
    };

    public AgentRecord ToRecord() => new(
        Id,
        TenantId,
        Name,
        CredentialHash,
        ParseState(State),
        StoredJson.Deserialize<AgentCapabilities>(Capabilities),
        StoredJson.Deserialize<AgentResources>(Resources),
        checked((int)Slots),
        Version,
        StoredTime.FromMs(RegisteredAt),
        StoredTime.FromMs(LastHeartbeatAt));
}
