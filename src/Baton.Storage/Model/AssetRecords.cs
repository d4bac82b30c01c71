namespace Baton.Storage.Model;

/// <summary>
/// One value of an asset (its default or an agent group's override). <see cref="Value"/>: the JSON text of a text,
/// number, boolean or JSON asset. <see cref="Username"/> and <see cref="Secret"/>: a credential's, the secret as stored —
/// sealed by the server (Baton.Core.Secrets.ISecretProtector); the store neither seals nor opens it.
/// </summary>
public sealed record AssetValue(string? Value, string? Username = null, string? Secret = null);

/// <summary>What an asset is, without its values: <see cref="Queue"/> and <see cref="AgentGroup"/> narrow who may read it (null: anyone of the tenant).</summary>
public sealed record AssetDefinition(string TenantId, string Name, string Type, string? Queue, string? AgentGroup, string? Description);

/// <summary>An asset with its default value and its overrides by agent group.</summary>
public sealed record AssetRecord(
    string TenantId,
    string Name,
    string Type,
    string? Queue,
    string? AgentGroup,
    string? Description,
    AssetValue Value,
    IReadOnlyDictionary<string, AssetValue> Overrides,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

public enum AssetLookup
{
    Found,
    /// <summary>No such asset, or one the job may not read (another queue's or agent group's).</summary>
    NotFound,
    /// <summary>The agent does not hold this attempt of the job running (stale, or not its job).</summary>
    NotHeld,
}

/// <summary>The value a job gets: its agent group's override when there is one (<see cref="AgentGroup"/>), else the default (null).</summary>
public sealed record ResolvedAsset(string Name, string Type, AssetValue Value, string? AgentGroup);

public sealed record AssetResolution(AssetLookup Lookup, ResolvedAsset? Asset = null);

/// <summary>A job's last checkpoint: JSON text saved by <see cref="Attempt"/>.</summary>
public sealed record JobCheckpoint(string JobId, int Attempt, string State, DateTimeOffset SavedAt);

/// <summary><see cref="Held"/>: the agent holds the attempt running; <see cref="Checkpoint"/>: the job's last one, if any.</summary>
public sealed record CheckpointRead(bool Held, JobCheckpoint? Checkpoint);
