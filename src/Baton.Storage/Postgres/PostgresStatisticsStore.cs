using Baton.Storage.Model;
using Dapper;

namespace Baton.Storage.Postgres;

/// <summary>
/// The fleet read on PostgreSQL: one system-scope transaction, one round trip of grouped reads. Pending jobs are
/// counted from the partial ready index (pending rows only), active ones from the active-job indexes, so the read
/// costs what is queued and running, not the job history.
/// </summary>
internal sealed class PostgresStatisticsStore(PostgresDatabase database, TimeProvider time) : IStatisticsStore
{
    private const string Group = "COALESCE(a.capabilities->>'group', 'default')";

    // System scope: fleet figures are across tenants by nature (metrics, autoscaling), and only counts leave the store.
    public Task<FleetStatistics> ReadFleetAsync(CancellationToken cancellationToken) =>
        database.InSystemAsync(async (connection, transaction) =>
        {
            var now = time.GetUtcNow();
            // Row security's "own tenant OR system scope" filter makes the planner expect a few rows where the system scope
            // sees them all, so it groups 10,000 agents by sorting on collated text: hashing is twice as fast here, and the
            // groups (tenants × queues or agent groups) always fit in memory. Local to this read-only transaction.
            await connection.ExecuteAsync(PgSql.Command("SET LOCAL enable_sort = off", null, transaction, cancellationToken));
            using var reads = await connection.QueryMultipleAsync(PgSql.Command(
                $"""
                SELECT id AS Id, name AS Name FROM tenants ORDER BY id;
                SELECT tenant_id AS TenantId, queue AS Queue, COUNT(*) AS Pending,
                       COUNT(*) FILTER (WHERE not_before IS NULL OR not_before <= @now) AS Ready,
                       floor(extract(epoch FROM MIN(submitted_at)) * 1000)::bigint AS OldestMs
                FROM jobs WHERE state = 'pending' GROUP BY tenant_id, queue;
                SELECT tenant_id AS TenantId, queue AS Queue, state AS State, COUNT(*) AS Jobs
                FROM jobs WHERE state IN {PgSql.ActiveStates} GROUP BY tenant_id, queue, state;
                SELECT a.tenant_id AS TenantId, {Group} AS GroupName, a.state AS State, COUNT(*) AS Agents,
                       COALESCE(SUM(a.slots), 0)::bigint AS Slots,
                       COALESCE(SUM((a.resources->>'cpuCores')::bigint), 0)::bigint AS CpuCores,
                       COALESCE(SUM((a.resources->>'memoryMb')::bigint), 0)::bigint AS MemoryMb,
                       COUNT(a.resources->>'cpuPercent') AS ReportingUsage,
                       COALESCE(SUM((a.resources->>'cpuPercent')::float8), 0)::float8 AS CpuPercentSum,
                       COALESCE(SUM((a.resources->>'memoryUsedMb')::bigint), 0)::bigint AS MemoryUsedMb,
                       floor(extract(epoch FROM MIN(a.last_heartbeat_at)) * 1000)::bigint AS OldestHeartbeatMs
                FROM agents a GROUP BY 1, 2, 3;
                SELECT a.tenant_id AS TenantId, {Group} AS GroupName, a.state AS State, COUNT(*) AS Busy
                FROM jobs j JOIN agents a ON a.id = j.agent_id
                WHERE j.state IN {PgSql.ActiveStates} GROUP BY 1, 2, 3;
                SELECT COUNT(*) FILTER (WHERE NOT paused) AS Active, COUNT(*) FILTER (WHERE paused) AS Paused FROM schedules;
                SELECT COUNT(*) AS Pending, floor(extract(epoch FROM MIN(next_attempt_at)) * 1000)::bigint AS OldestDueMs
                FROM webhook_deliveries WHERE state = 'pending';
                SELECT pg_database_size(current_database()) AS SizeBytes, d.blks_hit AS BlocksHit, d.blks_read AS BlocksRead,
                       (SELECT COUNT(*) FROM pg_stat_activity WHERE backend_type = 'client backend') AS ConnectionsUsed,
                       current_setting('max_connections')::bigint AS MaxConnections
                FROM pg_stat_database d WHERE d.datname = current_database();
                """,
                new { now = PgTime.ToDb(now) }, transaction, cancellationToken));
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

    public StoreConnectionStatistics ReadConnections() => database.Pools.Read();

    // PostgreSQL has no in-process write gate: writers are serialised by the database itself.
    public void ObserveWriteGateWaits(Action<TimeSpan> observer)
    {
    }
}
