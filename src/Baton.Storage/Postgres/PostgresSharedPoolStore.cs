using Baton.Core.Dispatch.FairShare;
using Baton.Storage.Model;
using Dapper;
using Npgsql;

namespace Baton.Storage.Postgres;

/// <summary>
/// The shared agent pool on PostgreSQL. The snapshot and the held-job lookups are cross-tenant by
/// nature (a shared agent serves many tenants) and run in the system scope, each read narrowed to the
/// participating tenants or to the jobs the calling agent holds. Claims never run here: they go
/// through the tenant-scoped claim, under the tenant's advisory lock.
/// </summary>
internal sealed class PostgresSharedPoolStore(PostgresDatabase database, TimeProvider time) : ISharedPoolStore
{
    // System scope: ranking tenants for a shared agent needs every participating tenant's counts and ready head.
    public Task<IReadOnlyList<SharedPoolTenantState>> ReadSnapshotAsync(SharedPoolQuery query, CancellationToken cancellationToken)
    {
        if (query.TenantIds.Count == 0) return Task.FromResult<IReadOnlyList<SharedPoolTenantState>>([]);
        return database.InSystemAsync<IReadOnlyList<SharedPoolTenantState>>(async (connection, transaction) =>
        {
            var now = PgTime.ToDb(time.GetUtcNow());
            var ids = query.TenantIds.ToArray();
            using var reads = await connection.QueryMultipleAsync(PgSql.Command(
                $"""
                SELECT tenant_id AS TenantId, COUNT(*)::float8 AS Amount FROM jobs
                WHERE tenant_id = ANY(@ids) AND state IN {PgSql.ActiveStates} GROUP BY tenant_id;
                {UsageSql}
                SELECT tenant_id AS TenantId, name AS Name, priority::bigint AS Priority FROM queues WHERE tenant_id = ANY(@ids) AND priority <> 0;
                SELECT h.* FROM unnest(@ids::text[]) AS t(id) CROSS JOIN LATERAL (
                    SELECT {Relational.JobRow.Select} FROM jobs
                    WHERE jobs.tenant_id = t.id AND jobs.state = 'pending' AND (jobs.not_before IS NULL OR jobs.not_before <= @now)
                      AND NOT EXISTS (SELECT 1 FROM queues q WHERE q.tenant_id = jobs.tenant_id AND q.name = jobs.queue AND q.paused)
                    ORDER BY jobs.priority DESC, jobs.submitted_at, jobs.id
                    LIMIT @limit) h;
                """,
                UsageParameters(ids, query.WindowStart, now, new { limit = Math.Max(query.HeadSize, 0) }), transaction, cancellationToken));

            var rows = new SharedPoolRows();
            foreach (var row in await reads.ReadAsync<TenantAmountRow>()) rows.Active[row.TenantId] = (long)row.Amount;
            rows.AddUsage(await reads.ReadAsync<TenantAmountRow>());
            rows.AddUsage(await reads.ReadAsync<TenantAmountRow>());
            foreach (var row in await reads.ReadAsync<QueuePriorityRow>()) rows.QueuePriorities[(row.TenantId, row.Name)] = (int)row.Priority;
            foreach (var job in (await reads.ReadAsync<Relational.JobRow>()).Select(row => row.ToRecord()))
            {
                if (!rows.Heads.TryGetValue(job.TenantId, out var head)) rows.Heads[job.TenantId] = head = [];
                head.Add(job);
            }
            return rows.Build(query.TenantIds);
        }, cancellationToken);
    }

    public Task RecordUsageAsync(IReadOnlyList<SharedPoolUsage> usage, DateTimeOffset pruneBefore, CancellationToken cancellationToken) =>
        // System scope: one batch may carry several tenants' usage (and pruning is installation-wide).
        database.InSystemAsync(async (connection, transaction) =>
        {
            if (usage.Count > 0)
            {
                await connection.ExecuteAsync(PgSql.Command(
                    """
                    INSERT INTO shared_pool_usage (minute, tenant_id, agent_ms)
                    SELECT u.minute, u.tenant_id, SUM(u.agent_ms) FROM unnest(@minutes, @tenants, @amounts) AS u(minute, tenant_id, agent_ms)
                    GROUP BY u.minute, u.tenant_id
                    ON CONFLICT (minute, tenant_id) DO UPDATE SET agent_ms = shared_pool_usage.agent_ms + excluded.agent_ms;
                    """,
                    new
                    {
                        minutes = usage.Select(u => u.Minute).ToArray(),
                        tenants = usage.Select(u => u.TenantId).ToArray(),
                        amounts = usage.Select(u => u.AgentMilliseconds).ToArray(),
                    },
                    transaction, cancellationToken));
            }
            await connection.ExecuteAsync(PgSql.Command(
                "DELETE FROM shared_pool_usage WHERE minute < @minute;", new { minute = SharedPoolRows.MinuteOf(pruneBefore) }, transaction, cancellationToken));
            return true;
        }, cancellationToken);

    // System scope, narrowed to one tenant: its jobs on shared agents are visible only with the agents' (shared) rows.
    public Task<double> GetUsedAgentSecondsAsync(string tenantId, DateTimeOffset since, CancellationToken cancellationToken) =>
        database.InSystemAsync(async (connection, transaction) =>
        {
            using var reads = await connection.QueryMultipleAsync(PgSql.Command(
                UsageSql, UsageParameters([tenantId], since, PgTime.ToDb(time.GetUtcNow()), null), transaction, cancellationToken));
            var rows = new SharedPoolRows();
            rows.AddUsage(await reads.ReadAsync<TenantAmountRow>());
            rows.AddUsage(await reads.ReadAsync<TenantAmountRow>());
            return rows.UsedMilliseconds.GetValueOrDefault(tenantId) / 1000.0;
        }, cancellationToken);

    // System scope, narrowed to the calling agent: a shared agent's jobs belong to many tenants.
    public Task<HeldJob?> FindHeldJobAsync(string agentId, string jobId, CancellationToken cancellationToken) =>
        database.InSystemAsync(async (connection, transaction) =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<SharedHeldJobRow>(PgSql.Command(
                $"SELECT {SharedHeldJobRow.Select} FROM jobs WHERE id = @jobId AND agent_id = @agentId;", new { jobId, agentId }, transaction, cancellationToken));
            return row?.ToRecord();
        }, cancellationToken);

    public Task<IReadOnlyList<HeldJob>> ListHeldJobsAsync(string agentId, CancellationToken cancellationToken) =>
        database.InSystemAsync<IReadOnlyList<HeldJob>>(async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync<SharedHeldJobRow>(PgSql.Command(
                $"SELECT {SharedHeldJobRow.Select} FROM jobs WHERE agent_id = @agentId AND state IN {PgSql.ActiveStates};", new { agentId }, transaction, cancellationToken));
            return rows.Select(row => row.ToRecord()).ToList();
        }, cancellationToken);

    public Task<bool> HoldsPackageAsync(string agentId, string sha256, CancellationToken cancellationToken) =>
        database.InSystemAsync((connection, transaction) => connection.ExecuteScalarAsync<bool>(PgSql.Command(
            $"SELECT EXISTS (SELECT 1 FROM jobs WHERE agent_id = @agentId AND state IN {PgSql.ActiveStates} AND package_sha256 = @sha256);",
            new { agentId, sha256 }, transaction, cancellationToken)), cancellationToken);

    /// <summary>Two result sets: recorded per-minute usage since the window's minute, and the elapsed time (within the window) of jobs on shared agents now.</summary>
    private static readonly string UsageSql =
        $"""
        SELECT tenant_id AS TenantId, SUM(agent_ms)::float8 AS Amount FROM shared_pool_usage
        WHERE minute >= @minute AND tenant_id = ANY(@ids) GROUP BY tenant_id;
        SELECT j.tenant_id AS TenantId,
               SUM(GREATEST(0, EXTRACT(EPOCH FROM (@now - GREATEST(COALESCE(j.started_at, j.assigned_at), @since))) * 1000))::float8 AS Amount
        FROM agents a JOIN jobs j ON j.agent_id = a.id
        WHERE a.tenant_id = @shared AND j.state IN {PgSql.ActiveStates} AND j.tenant_id = ANY(@ids)
        GROUP BY j.tenant_id;
        """;

    private static DynamicParameters UsageParameters(string[] ids, DateTimeOffset since, DateTimeOffset now, object? extra)
    {
        var parameters = new DynamicParameters(extra);
        parameters.Add("ids", ids);
        parameters.Add("minute", SharedPoolRows.MinuteOf(since));
        parameters.Add("since", PgTime.ToDb(since));
        parameters.Add("now", now);
        parameters.Add("shared", SharedPool.TenantId);
        return parameters;
    }
}
