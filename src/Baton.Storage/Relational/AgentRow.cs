using Baton.Core.AgentProtocol;
using Baton.Storage.Model;
using Baton.Storage.Serialization;

namespace Baton.Storage.Relational;

/// <summary>One row of <c>agents</c>; <see cref="Select"/> is the matching select list.</summary>
internal sealed class AgentRow
{
    public const string Select =
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
        StoredJson.Deserialize<AgentCapabilities>(Capabilities), StoredJson.Deserialize<AgentResources>(Resources),
        Slots, Version, RegisteredAt, LastHeartbeatAt);
}
