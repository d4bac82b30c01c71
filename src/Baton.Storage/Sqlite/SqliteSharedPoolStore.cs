using Baton.Core.Dispatch.FairShare;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Baton.Storage.Sqlite;

/// <summary>The shared agent pool on SQLite: one process, so every read is simply across tenants.</summary>
internal sealed class SqliteSharedPoolStore(SqliteDatabase database, TimeProvider time) : ISharedPoolStore
{
    private const string ActiveStates = "('assigned', 'running')";

    public Task<IReadOnlyList<SharedPoolTenantState>> ReadSnapshotAsync(SharedPoolQuery query, CancellationToken cancellationToken)
    {
        if (query.TenantIds.Count == 0) return Task.FromResult<IReadOnlyList<SharedPoolTenantState>>([]);
        return database.ReadAsync<IReadOnlyList<SharedPoolTenantState>>(async connection =>
        {
            var now = StoredTime.ToMs(time.GetUtcNow());
            var ids = query.TenantIds;
            var rows = new SharedPoolRows();
            foreach (var row in await connection.QueryAsync<TenantAmountRow>(Sql.Command(
                $"SELECT tenant_id AS TenantId, COUNT(*) AS Amount FROM jobs WHERE tenant_id IN @ids AND state IN {ActiveStates} GROUP BY tenant_id;",
                new { ids }, cancellationToken)))
            {
                rows.Active[row.TenantId] = (long)row.Amount;
            }
            await AddUsageAsync(connection, rows, ids, query.WindowStart, now, cancellationToken);
            foreach (var row in await connection.QueryAsync<QueuePriorityRow>(Sql.Command(
                "SELECT tenant_id AS TenantId, name AS Name, priority AS Priority FROM queues WHERE tenant_id IN @ids AND priority <> 0;",
                new { ids }, cancellationToken)))
            {
                rows.QueuePriorities[(row.TenantId, row.Name)] = (int)row.Priority;
            }

            // The head follows the ready index (tenant, state, priority, age) with no extra sort key, so a
            // tenant's 10,000 pending jobs cost a LIMIT-ed index walk, not a sort.
            if (query.HeadSize > 0)
            {
                foreach (var tenantId in ids)
                {
                    var head = await connection.QueryAsync<Relational.JobRow>(Sql.Command(
                        $"""
                        SELECT {Relational.JobRow.Select} FROM jobs
                        WHERE tenant_id = @tenantId AND state = 'pending' AND (not_before IS NULL OR not_before <= @now)
                          AND queue NOT IN (SELECT name FROM queues WHERE tenant_id = @tenantId AND paused <> 0)
                        ORDER BY priority DESC, submitted_at
                        LIMIT @limit;
                        """,
                        new { tenantId, now, limit = query.HeadSize }, cancellationToken));
                    rows.Heads[tenantId] = head.Select(row => row.ToRecord()).ToList();
                }
            }
            return rows.Build(ids);
        }, cancellationToken);
    }

    public Task RecordUsageAsync(IReadOnlyList<SharedPoolUsage> usage, DateTimeOffset pruneBefore, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            if (usage.Count > 0)
            {
                await connection.ExecuteAsync(Sql.Command(
                    """
                    INSERT INTO shared_pool_usage (minute, tenant_id, agent_ms) VALUES (@Minute, @TenantId, @AgentMilliseconds)
                    ON CONFLICT (minute, tenant_id) DO UPDATE SET agent_ms = agent_ms + excluded.agent_ms;
                    """,
                    usage, transaction, cancellationToken));
            }
            await connection.ExecuteAsync(Sql.Command(
                "DELETE FROM shared_pool_usage WHERE minute < @minute;", new { minute = SharedPoolRows.MinuteOf(pruneBefore) }, transaction, cancellationToken));
        }, cancellationToken);

    public Task<double> GetUsedAgentSecondsAsync(string tenantId, DateTimeOffset since, CancellationToken cancellationToken) =>
        database.ReadAsync(async connection =>
        {
            var rows = new SharedPoolRows();
            await AddUsageAsync(connection, rows, [tenantId], since, StoredTime.ToMs(time.GetUtcNow()), cancellationToken);
            return rows.UsedMilliseconds.GetValueOrDefault(tenantId) / 1000.0;
        }, cancellationToken);

    public Task<HeldJob?> FindHeldJobAsync(string agentId, string jobId, CancellationToken cancellationToken) =>
        database.ReadAsync(async connection =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<SharedHeldJobRow>(Sql.Command(
                $"SELECT {SharedHeldJobRow.Select} FROM jobs WHERE id = @jobId AND agent_id = @agentId;", new { jobId, agentId }, cancellationToken));
            return row?.ToRecord();
        }, cancellationToken);

    public Task<IReadOnlyList<HeldJob>> ListHeldJobsAsync(string agentId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<HeldJob>>(async connection =>
        {
            var rows = await connection.QueryAsync<SharedHeldJobRow>(Sql.Command(
                $"SELECT {SharedHeldJobRow.Select} FROM jobs WHERE agent_id = @agentId AND state IN {ActiveStates};", new { agentId }, cancellationToken));
            return rows.Select(row => row.ToRecord()).ToList();
        }, cancellationToken);

    public Task<bool> HoldsPackageAsync(string agentId, string sha256, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => connection.ExecuteScalarAsync<bool>(Sql.Command(
            $"SELECT EXISTS (SELECT 1 FROM jobs WHERE agent_id = @agentId AND state IN {ActiveStates} AND package_sha256 = @sha256);",
            new { agentId, sha256 }, cancellationToken)), cancellationToken);

    /// <summary>Recorded per-minute usage since the window's minute, plus the elapsed time (within the window) of jobs on shared agents now.</summary>
    private static async Task AddUsageAsync(
        SqliteConnection connection, SharedPoolRows rows, IReadOnlyList<string> ids, DateTimeOffset since, long now, CancellationToken cancellationToken)
    {
        var sinceMs = StoredTime.ToMs(since);
        rows.AddUsage(await connection.QueryAsync<TenantAmountRow>(Sql.Command(
            """
            SELECT tenant_id AS TenantId, CAST(SUM(agent_ms) AS REAL) AS Amount FROM shared_pool_usage
            WHERE minute >= @minute AND tenant_id IN @ids GROUP BY tenant_id;
            """,
            new { minute = SharedPoolRows.MinuteOf(since), ids }, cancellationToken)));
        rows.AddUsage(await connection.QueryAsync<TenantAmountRow>(Sql.Command(
            $"""
            SELECT j.tenant_id AS TenantId, CAST(SUM(MAX(0, @now - MAX(COALESCE(j.started_at, j.assigned_at), @sinceMs))) AS REAL) AS Amount
            FROM agents a JOIN jobs j ON j.agent_id = a.id
            WHERE a.tenant_id = @shared AND j.state IN {ActiveStates} AND j.tenant_id IN @ids
            GROUP BY j.tenant_id;
            """,
            new { now, sinceMs, shared = SharedPool.TenantId, ids }, cancellationToken)));
    }
}
