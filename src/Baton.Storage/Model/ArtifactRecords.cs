namespace Baton.Storage.Model;

/// <summary>A file a job saved: its name within the job, the attempt that saved it, and its content in the blob store.</summary>
public sealed record ArtifactRecord(string TenantId, string JobId, string Name, int Attempt, string Sha256, long SizeBytes, DateTimeOffset CreatedAt);

/// <summary>
/// An artifact an agent uploaded for the attempt it holds. <paramref name="JobLimitBytes"/> bounds the job's artifacts
/// together; <paramref name="StorageLimitBytes"/> the tenant's package versions and artifacts together (its storage
/// quota less what its logs use).
/// </summary>
public sealed record NewArtifact(
    string TenantId, string JobId, string AgentId, int Attempt, string Name, string Sha256, long SizeBytes, DateTimeOffset CreatedAt,
    long JobLimitBytes, long StorageLimitBytes);

public enum ArtifactAddResult
{
    Added,
    /// <summary>The job is not this tenant's.</summary>
    NotFound,
    /// <summary>The job is not held by this agent in this attempt, or has ended.</summary>
    Stale,
    /// <summary>The job's artifacts would pass the per-job limit.</summary>
    JobLimitExceeded,
    /// <summary>The tenant's storage would pass its quota.</summary>
    StorageQuotaExceeded,
}

/// <summary>What an add did; <see cref="ReplacedSha256"/> is the content a same-named artifact had before (for the blob collector).</summary>
public sealed record ArtifactAddOutcome(ArtifactAddResult Result, ArtifactRecord? Artifact = null, string? ReplacedSha256 = null);
