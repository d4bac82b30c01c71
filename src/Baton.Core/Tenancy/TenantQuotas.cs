using System.Text.Json.Serialization;

namespace Baton.Core.Tenancy;

/// <summary>The limits a tenant runs under: its tier's defaults with any per-tenant overrides applied.</summary>
public sealed record TenantQuotas(
    int Agents,
    int ConcurrentJobs,
    int Schedules,
    int Queues,
    double StorageGb,
    int ApiCallsPerDay,
    int PendingJobs,
    int SharedPoolWeight = 0,
    int LogMbPerJob = 50,
    int JobInputKb = 256,
    int ArtifactMbPerJob = 500)
{
    /// <summary>
    /// The seed's table 14.3, "Tenant Resource Allocation", plus the backpressure cap on pending jobs, the
    /// per-job log limit (MB), the largest job input (KiB, the JSON of a submission's inputs) and the most a job's
    /// artifacts may hold together (MB).
    /// </summary>
    public static TenantQuotas ForTier(Tier tier) => tier switch
    {
        Tier.Free => new(Agents: 2, ConcurrentJobs: 5, Schedules: 2, Queues: 2, StorageGb: 5, ApiCallsPerDay: 1_000, PendingJobs: 100, SharedPoolWeight: 1,
            LogMbPerJob: 10, JobInputKb: 64, ArtifactMbPerJob: 100),
        Tier.Standard => new(10, 25, 10, 5, 20, 5_000, 1_000, 2, 50, 256, 500),
        Tier.Professional => new(50, 100, 50, 20, 100, 20_000, 10_000, 4, 100, 512, 2_048),
        Tier.Enterprise => new(250, 500, 100, 50, 500, 100_000, 50_000, 8, 200, 1024, 10_240),
        _ => throw new ArgumentOutOfRangeException(nameof(tier), tier, null),
    };

    public static TenantQuotas Resolve(Tier tier, QuotaOverrides? overrides)
    {
        var defaults = ForTier(tier);
        if (overrides is null) return defaults;
        return new TenantQuotas(
            overrides.Agents ?? defaults.Agents,
            overrides.ConcurrentJobs ?? defaults.ConcurrentJobs,
            overrides.Schedules ?? defaults.Schedules,
            overrides.Queues ?? defaults.Queues,
            overrides.StorageGb ?? defaults.StorageGb,
            overrides.ApiCallsPerDay ?? defaults.ApiCallsPerDay,
            overrides.PendingJobs ?? defaults.PendingJobs,
            overrides.SharedPoolWeight ?? defaults.SharedPoolWeight,
            overrides.LogMbPerJob ?? defaults.LogMbPerJob,
            overrides.JobInputKb ?? defaults.JobInputKb,
            overrides.ArtifactMbPerJob ?? defaults.ArtifactMbPerJob);
    }

    // The limits in bytes are for the server's checks; the wire form (and the OpenAPI schema) has the quotas as set.
    [JsonIgnore]
    public long StorageBytes => (long)(StorageGb * 1024 * 1024 * 1024);

    [JsonIgnore]
    public long LogBytesPerJob => LogMbPerJob * 1024L * 1024;

    [JsonIgnore]
    public long JobInputBytes => JobInputKb * 1024L;

    [JsonIgnore]
    public long ArtifactBytesPerJob => ArtifactMbPerJob * 1024L * 1024;
}

/// <summary>Per-tenant quota values that replace the tier default; null keeps the default.</summary>
public sealed record QuotaOverrides(
    int? Agents = null,
    int? ConcurrentJobs = null,
    int? Schedules = null,
    int? Queues = null,
    double? StorageGb = null,
    int? ApiCallsPerDay = null,
    int? PendingJobs = null,
    int? SharedPoolWeight = null,
    int? LogMbPerJob = null,
    int? JobInputKb = null,
    int? ArtifactMbPerJob = null)
{
    /// <summary>The largest weight a tenant may have on the shared agent pool.</summary>
    public const int MaxSharedPoolWeight = 1_000;

    /// <summary>The largest per-job log an override may allow (MB).</summary>
    public const int MaxLogMbPerJob = 10_000;

    /// <summary>The largest job input an override may allow (KiB); the submission route's body limit follows it.</summary>
    public const int MaxJobInputKb = 16 * 1024;

    /// <summary>The most a job's artifacts may hold together under an override (MB); the upload route's body limit follows it.</summary>
    public const int MaxArtifactMbPerJob = 100 * 1024;

    public static QuotaOverrides None { get; } = new();

    /// <summary>Not part of the wire form: a computed fact, which would otherwise leak into the API and its OpenAPI document.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsEmpty => this == None;

    /// <summary>Overrides from <paramref name="update"/> win; null in the update keeps the current value.</summary>
    public QuotaOverrides Merge(QuotaOverrides? update) => update is null ? this : new(
        update.Agents ?? Agents,
        update.ConcurrentJobs ?? ConcurrentJobs,
        update.Schedules ?? Schedules,
        update.Queues ?? Queues,
        update.StorageGb ?? StorageGb,
        update.ApiCallsPerDay ?? ApiCallsPerDay,
        update.PendingJobs ?? PendingJobs,
        update.SharedPoolWeight ?? SharedPoolWeight,
        update.LogMbPerJob ?? LogMbPerJob,
        update.JobInputKb ?? JobInputKb,
        update.ArtifactMbPerJob ?? ArtifactMbPerJob);

    /// <summary>A reason when a value is out of range, else null.</summary>
    public string? Validate()
    {
        if (Agents is < 0) return "quotas.agents must be zero or more";
        if (ConcurrentJobs is < 0) return "quotas.concurrentJobs must be zero or more";
        if (Schedules is < 0) return "quotas.schedules must be zero or more";
        if (Queues is < 0) return "quotas.queues must be zero or more";
        if (StorageGb is < 0 || (StorageGb is { } gb && (double.IsNaN(gb) || double.IsInfinity(gb)))) return "quotas.storageGb must be zero or more";
        if (ApiCallsPerDay is < 0) return "quotas.apiCallsPerDay must be zero or more";
        if (PendingJobs is < 0) return "quotas.pendingJobs must be zero or more";
        if (SharedPoolWeight is < 0 or > MaxSharedPoolWeight) return $"quotas.sharedPoolWeight must be between 0 and {MaxSharedPoolWeight}";
        if (LogMbPerJob is < 0 or > MaxLogMbPerJob) return $"quotas.logMbPerJob must be between 0 and {MaxLogMbPerJob}";
        if (JobInputKb is < 1 or > MaxJobInputKb) return $"quotas.jobInputKb must be between 1 and {MaxJobInputKb}";
        if (ArtifactMbPerJob is < 0 or > MaxArtifactMbPerJob) return $"quotas.artifactMbPerJob must be between 0 and {MaxArtifactMbPerJob}";
        return null;
    }
}
