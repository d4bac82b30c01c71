using Baton.Storage.Model;

namespace Baton.Storage;

/// <summary>
/// Tenant assets: named, typed values with per-agent-group overrides, read by jobs through their agent. Secrets are stored
/// as the server sealed them. Another tenant's asset is simply not found.
/// </summary>
public interface IAssetStore
{
    /// <summary>
    /// Creates or replaces the asset and its default value. A change of type drops its overrides (they were of the old type).
    /// </summary>
    Task<AssetRecord> SaveAsync(AssetDefinition asset, AssetValue value, DateTimeOffset now, CancellationToken cancellationToken);

    Task<AssetRecord?> GetAsync(string tenantId, string name, CancellationToken cancellationToken);

    /// <summary>By name.</summary>
    Task<IReadOnlyList<AssetRecord>> ListAsync(string tenantId, CancellationToken cancellationToken);

    /// <summary>Deletes the asset with its overrides; false when it did not exist.</summary>
    Task<bool> DeleteAsync(string tenantId, string name, CancellationToken cancellationToken);

    /// <summary>Sets the value agents of <paramref name="agentGroup"/> get; null when the asset does not exist.</summary>
    Task<AssetRecord?> SetOverrideAsync(string tenantId, string name, string agentGroup, AssetValue value, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Removes an agent group's override; false when there was none.</summary>
    Task<bool> RemoveOverrideAsync(string tenantId, string name, string agentGroup, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// The value of <paramref name="name"/> for the job's running attempt held by <paramref name="agentId"/>: not found when
    /// the asset is scoped to another queue or agent group than the job's and its agent's; the agent group's override when
    /// there is one, else the default. An agent of the shared pool has no group of the job's tenant: it reads defaults of
    /// unscoped-by-group assets only.
    /// </summary>
    Task<AssetResolution> ResolveForJobAsync(string tenantId, string jobId, string agentId, int attempt, string name, CancellationToken cancellationToken);
}

/// <summary>A job's checkpoint: one JSON state per job, written by its running attempt and read by the next.</summary>
public interface ICheckpointStore
{
    /// <summary>Saves the state if <paramref name="agentId"/> holds <paramref name="attempt"/> running; false otherwise.</summary>
    Task<bool> SaveAsync(string tenantId, string jobId, string agentId, int attempt, string state, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The job's last checkpoint, for the agent holding <paramref name="attempt"/> running.</summary>
    Task<CheckpointRead> ReadForAttemptAsync(string tenantId, string jobId, string agentId, int attempt, CancellationToken cancellationToken);

    Task<JobCheckpoint?> GetAsync(string tenantId, string jobId, CancellationToken cancellationToken);
}
