namespace Baton.Storage.Model;

/// <summary>The fleet as one system-scope read saw it (<see cref="IStatisticsStore.ReadFleetAsync"/>).</summary>
public sealed record FleetStatistics
{
    /// <summary>The store's clock at the read.</summary>
    public required DateTimeOffset ReadAt { get; init; }

    /// <summary>Every tenant (the shared agent pool's reserved tenant included), by id.</summary>
    public required IReadOnlyList<TenantName> Tenants { get; init; }

    /// <summary>Per tenant and queue with at least one pending or active job.</summary>
    public required IReadOnlyList<QueueJobCounts> Queues { get; init; }

    /// <summary>Per tenant, agent group and state with at least one agent.</summary>
    public required IReadOnlyList<AgentGroupCounts> AgentGroups { get; init; }

    public required ScheduleCounts Schedules { get; init; }

    public required WebhookDeliveryCounts WebhookDeliveries { get; init; }

    public required DatabaseStatistics Database { get; init; }
}

public sealed record TenantName(string Id, string Name);

/// <summary>
/// One queue's jobs: <see cref="Pending"/> (the queue depth), of which <see cref="Ready"/> may be claimed now (the
/// rest wait out a retry backoff), <see cref="Assigned"/> and <see cref="Running"/>, and when its oldest pending job
/// was submitted.
/// </summary>
public sealed record QueueJobCounts(
    string TenantId,
    string Queue,
    long Pending,
    long Ready,
    long Assigned,
    long Running,
    DateTimeOffset? OldestPendingSubmittedAt);

/// <summary>
/// Agents of one tenant, group and state: how many, their slots and how many of those hold a job, the CPU cores and
/// memory they report, and the usage reported by those that report it (<see cref="AgentsReportingUsage"/>: the mean
/// CPU percent is <see cref="CpuPercentSum"/> / that count). <see cref="OldestHeartbeatAt"/>: the most silent agent's
/// last heartbeat.
/// </summary>
public sealed record AgentGroupCounts(
    string TenantId,
    string Group,
    AgentState State,
    long Agents,
    long Slots,
    long BusySlots,
    long CpuCores,
    long MemoryMb,
    long AgentsReportingUsage,
    double CpuPercentSum,
    long MemoryUsedMb,
    DateTimeOffset? OldestHeartbeatAt);

public sealed record ScheduleCounts(long Active, long Paused);

/// <summary>Webhook deliveries still to be made (first attempts and retries) and the earliest one due.</summary>
public sealed record WebhookDeliveryCounts(long Pending, DateTimeOffset? OldestDueAt);

/// <summary>
/// The database's own figures; null where the backend has no such figure (SQLite has no shared buffer cache
/// statistics and no connection limit). Block counts are cumulative since the server's statistics were reset.
/// </summary>
public sealed record DatabaseStatistics(
    long? SizeBytes,
    long? BlocksHit,
    long? BlocksRead,
    long? ConnectionsUsed,
    long? MaxConnections)
{
    /// <summary>Share of block reads served from the shared buffer cache, 0–1; null without figures or reads.</summary>
    public double? CacheHitRatio => BlocksHit is { } hit && BlocksRead is { } read && hit + read > 0 ? (double)hit / (hit + read) : null;
}

/// <summary>
/// This process's connections to the store: <see cref="Busy"/> in use now, <see cref="Idle"/> open in the pool,
/// <see cref="Max"/> the pool's ceiling and <see cref="Pending"/> callers waiting for a connection (null where the
/// driver does not say).
/// </summary>
public sealed record StoreConnectionStatistics(int Busy, int? Idle, int? Max, int? Pending);
