using Baton.Storage.Model;

namespace Baton.Storage.Relational;

/// <summary>
/// The fleet read: one system-scope snapshot (a transaction on PostgreSQL; a read transaction on SQLite, which in WAL
/// mode never waits for the writer), one round trip of grouped reads. Pending and active jobs are counted through
/// the (tenant, state) and ready indexes, so the read costs what is queued and running, not the job history.
/// </summary>
internal sealed class StatisticsStore(IStoreDatabase database, IStoreConnections connections, TimeProvider time) : IStatisticsStore
{
    // System scope: fleet figures are across tenants by nature (metrics, autoscaling), and only counts leave the store.
    public Task<FleetStatistics> ReadFleetAsync(CancellationToken cancellationToken) =>
        database.SystemSnapshotAsync(async session =>
        {
            var now = time.GetUtcNow();
            var sql = session.Dialect;
            if (sql.FleetReadSetup is { } setup) await session.ExecuteAsync(setup);
            var group = $"COALESCE({sql.JsonField("a.capabilities", "group")}, 'default')";
            using var reads = await session.QueryMultipleAsync(
                $"""
                SELECT id AS Id, name AS Name FROM tenants ORDER BY id;
                SELECT tenant_id AS TenantId, queue AS Queue, COUNT(*) AS Pending,
                       COUNT(*) FILTER (WHERE not_before IS NULL OR not_before <= @now) AS Ready,
                       MIN(submitted_at) AS Oldest
                FROM jobs WHERE {sql.TenantIndexWalk("tenant_id")}state = 'pending' GROUP BY tenant_id, queue;
                SELECT tenant_id AS TenantId, queue AS Queue, state AS State, COUNT(*) AS Jobs
                FROM jobs WHERE {sql.TenantIndexWalk("tenant_id")}state IN ('assigned', 'running') GROUP BY tenant_id, queue, state;
                SELECT a.tenant_id AS TenantId, {group} AS GroupName, a.state AS State, COUNT(*) AS Agents,
                       CAST(COALESCE(SUM(a.slots), 0) AS bigint) AS Slots,
                       CAST(COALESCE(SUM(CAST({sql.JsonField("a.resources", "cpuCores")} AS bigint)), 0) AS bigint) AS CpuCores,
                       CAST(COALESCE(SUM(CAST({sql.JsonField("a.resources", "memoryMb")} AS bigint)), 0) AS bigint) AS MemoryMb,
                       COUNT({sql.JsonField("a.resources", "cpuPercent")}) AS ReportingUsage,
                       CAST(COALESCE(SUM(CAST({sql.JsonField("a.resources", "cpuPercent")} AS double precision)), 0) AS double precision) AS CpuPercentSum,
                       CAST(COALESCE(SUM(CAST({sql.JsonField("a.resources", "memoryUsedMb")} AS bigint)), 0) AS bigint) AS MemoryUsedMb,
                       MIN(a.last_heartbeat_at) AS OldestHeartbeat
                FROM agents a GROUP BY 1, 2, 3;
                SELECT a.tenant_id AS TenantId, {group} AS GroupName, a.state AS State, COUNT(*) AS Busy
                FROM jobs j JOIN agents a ON a.id = j.agent_id
                WHERE j.state IN ('assigned', 'running') GROUP BY 1, 2, 3;
                SELECT COUNT(*) FILTER (WHERE NOT paused) AS Active, COUNT(*) FILTER (WHERE paused) AS Paused FROM schedules;
                SELECT COUNT(*) AS Pending, MIN(next_attempt_at) AS OldestDue FROM webhook_deliveries WHERE state = 'pending';
                {sql.DatabaseStatistics}
                """,
                new { now });
            var tenants = await reads.ReadAsync<TenantName>();
            var pending = await reads.ReadAsync<PendingQueueRow>();
            var active = await reads.ReadAsync<ActiveQueueRow>();
            var agents = await reads.ReadAsync<AgentGroupRow>();
            var busy = await reads.ReadAsync<BusyGroupRow>();
            var schedules = await reads.ReadSingleAsync<ScheduleCountRow>();
            var webhooks = await reads.ReadSingleAsync<WebhookBacklogRow>();
            var databaseRow = await reads.ReadSingleOrDefaultAsync<DatabaseStatisticsRow>();
            return FleetStatisticsAssembly.Build(now, tenants, pending, active, agents, busy, schedules, webhooks, databaseRow);
        }, cancellationToken);

    public StoreConnectionStatistics ReadConnections() => connections.Read();

    public void ObserveWriteGateWaits(Action<TimeSpan> observer) => connections.ObserveWriteGateWaits(observer);
}

/// <summary>A backend's own connections, as its driver reports them (this process only).</summary>
internal interface IStoreConnections
{
    /// <summary>Busy, idle, the pool's ceiling and callers waiting, where the driver tells.</summary>
    StoreConnectionStatistics Read();

    /// <summary>Observes each write's wait for an in-process write gate; a backend without one never calls the observer.</summary>
    void ObserveWriteGateWaits(Action<TimeSpan> observer);
}
