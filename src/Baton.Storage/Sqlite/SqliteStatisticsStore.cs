using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Sqlite;

/// <summary>
/// The fleet read on SQLite: one read transaction (WAL: a consistent snapshot that never waits for the writer).
/// Pending and active jobs are found per tenant through the (tenant, state) indexes, so the read costs what is
/// queued and running, not the job history.
/// </summary>
internal sealed class SqliteStatisticsStore(SqliteDatabase database, TimeProvider time) : IStatisticsStore
{
    private const string Group = "COALESCE(json_extract(a.capabilities, '$.group'), 'default')";

    public Task<FleetStatistics> ReadFleetAsync(CancellationToken cancellationToken) =>
        database.ReadAsync(async connection =>
        {
            var now = time.GetUtcNow();
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            using var reads = await connection.QueryMultipleAsync(new CommandDefinition(
                $"""
                SELECT id AS Id, name AS Name FROM tenants ORDER BY id;
                SELECT tenant_id AS TenantId, queue AS Queue, COUNT(*) AS Pending,
                       SUM(CASE WHEN not_before IS NULL OR not_before <= @now THEN 1 ELSE 0 END) AS Ready,
                       MIN(submitted_at) AS OldestMs
                FROM jobs WHERE tenant_id IN (SELECT id FROM tenants) AND state = 'pending' GROUP BY tenant_id, queue;
                SELECT tenant_id AS TenantId, queue AS Queue, state AS State, COUNT(*) AS Jobs
                FROM jobs WHERE tenant_id IN (SELECT id FROM tenants) AND state IN ('assigned', 'running') GROUP BY tenant_id, queue, state;
                SELECT a.tenant_id AS TenantId, {Group} AS GroupName, a.state AS State, COUNT(*) AS Agents,
                       COALESCE(SUM(a.slots), 0) AS Slots,
                       COALESCE(SUM(json_extract(a.resources, '$.cpuCores')), 0) AS CpuCores,
                       COALESCE(SUM(json_extract(a.resources, '$.memoryMb')), 0) AS MemoryMb,
                       COUNT(json_extract(a.resources, '$.cpuPercent')) AS ReportingUsage,
                       TOTAL(json_extract(a.resources, '$.cpuPercent')) AS CpuPercentSum,
                       COALESCE(SUM(json_extract(a.resources, '$.memoryUsedMb')), 0) AS MemoryUsedMb,
                       MIN(a.last_heartbeat_at) AS OldestHeartbeatMs
                FROM agents a GROUP BY 1, 2, 3;
                SELECT a.tenant_id AS TenantId, {Group} AS GroupName, a.state AS State, COUNT(*) AS Busy
                FROM agents a JOIN jobs j ON j.agent_id = a.id AND j.state IN ('assigned', 'running')
                GROUP BY 1, 2, 3;
                SELECT COALESCE(SUM(CASE WHEN paused = 0 THEN 1 ELSE 0 END), 0) AS Active,
                       COALESCE(SUM(CASE WHEN paused <> 0 THEN 1 ELSE 0 END), 0) AS Paused FROM schedules;
                SELECT COUNT(*) AS Pending, MIN(next_attempt_at) AS OldestDueMs FROM webhook_deliveries WHERE state = 'pending';
                SELECT p.page_count * s.page_size AS SizeBytes FROM pragma_page_count() p, pragma_page_size() s;
                """,
                new { now = StoredTime.ToMs(now) }, transaction, cancellationToken: cancellationToken));
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

    // Microsoft.Data.Sqlite's pool does not report its idle connections or a ceiling: busy is what this process holds open.
    public StoreConnectionStatistics ReadConnections() => new(database.OpenConnections, null, null, null);

    public void ObserveWriteGateWaits(Action<TimeSpan> observer) => database.ObserveGateWaits(observer);
}
