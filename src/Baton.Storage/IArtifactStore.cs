using Baton.Storage.Model;

namespace Baton.Storage;

/// <summary>The files jobs saved (their content lives in the blob store, by SHA-256).</summary>
public interface IArtifactStore
{
    /// <summary>
    /// Records an artifact of the attempt the agent holds (fenced on agent and attempt, refused once the job has ended),
    /// within the per-job limit and the tenant's storage quota; a same-named artifact of the job is replaced.
    /// </summary>
    Task<ArtifactAddOutcome> AddAsync(NewArtifact artifact, CancellationToken cancellationToken);

    /// <summary>The job's artifacts by name; empty for a job of another tenant.</summary>
    Task<IReadOnlyList<ArtifactRecord>> ListAsync(string tenantId, string jobId, CancellationToken cancellationToken);

    Task<ArtifactRecord?> GetAsync(string tenantId, string jobId, string name, CancellationToken cancellationToken);

    /// <summary>The bytes a tenant's artifacts hold (part of its storage use).</summary>
    Task<long> GetStorageBytesAsync(string tenantId, CancellationToken cancellationToken);

    /// <summary>
    /// Removes up to <paramref name="limit"/> artifacts (of every tenant) saved before <paramref name="before"/> and returns the
    /// content each removed row named (one entry per row), for the caller to delete from the blob store when nothing else names them.
    /// </summary>
    Task<IReadOnlyList<string>> PruneAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken);
}
