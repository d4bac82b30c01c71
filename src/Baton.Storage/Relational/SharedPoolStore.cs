using Baton.Core.Dispatch.FairShare;
using Baton.Storage.Model;

namespace Baton.Storage.Relational;

/// <summary>
/// The shared agent pool. The snapshot and the held-job lookups are cross-tenant by nature (a shared agent serves
/// many tenants) and run in the system scope, each read narrowed to the participating tenants or to the jobs the
/// calling agent holds. Claims never run here: they go through the tenant-scoped claim, under the tenant's lock.
/// </summary>
internal sealed class SharedPoolStore(IStoreDatabase database, TimeProvider time) : ISharedPoolStore
{
    // System scope: ranking tenants for a shared agent needs every participating tenant's counts and ready head.
    public Task<IReadOnlyList<SharedPoolTenantState>> ReadSnapshotAsync(SharedPoolQuery query, CancellationToken cancellationToken)
    {
        if (query.TenantIds.Count == 0) return Task.FromResult<IReadOnlyList<SharedPoolTenantState>>([]);
        return database.SystemReadAsync<IReadOnlyList<SharedPoolTenantState>>(async session =>
        {
            var sql = session.Dialect;
            using var reads = await session.QueryMultipleAsync(
                $"""
                SELECT tenant_id AS TenantId, CAST(COUNT(*) AS double precision) AS Amount FROM jobs
                WHERE {sql.InList("tenant_id", "ids")} AND state IN {JobRow.ActiveStates} GROUP BY tenant_id;
                {UsageSql(sql)}
                SELECT tenant_id AS TenantId, name AS Name, CAST(priority AS bigint) AS Priority FROM queues WHERE {sql.InList("tenant_id", "ids")} AND priority <> 0;
                {sql.ReadyHeads(JobRow.Select, query.TenantIds.Count)}
                """,
                UsageParameters(query.TenantIds, query.WindowStart, time.GetUtcNow(), Math.Max(query.HeadSize, 0)));

            var rows = new SharedPoolRows();
            foreach (var (tenantId, amount) in await reads.ReadAsync<(string, double)>()) rows.Active[tenantId] = (long)amount;
            rows.AddUsage(await reads.ReadAsync<(string, double)>());
            rows.AddUsage(await reads.ReadAsync<(string, double)>());
            foreach (var (tenantId, name, priority) in await reads.ReadAsync<(string, string, long)>()) rows.QueuePriorities[(tenantId, name)] = (int)priority;
            // One result of heads, or one per tenant, as the dialect reads them.
            while (!reads.IsConsumed)
            {
                foreach (var job in await reads.ReadAsync<JobRecord>())
                {
                    if (!rows.Heads.TryGetValue(job.TenantId, out var head)) rows.Heads[job.TenantId] = head = [];
                    head.Add(job);
                }
            }
            return rows.Build(query.TenantIds);
        }, cancellationToken);
    }

    // System scope: one batch may carry several tenants' usage (and pruning is installation-wide).
    public Task RecordUsageAsync(IReadOnlyList<SharedPoolUsage> usage, DateTimeOffset pruneBefore, CancellationToken cancellationToken) =>
        database.SystemWriteAsync(async session =>
        {
            if (usage.Count > 0)
            {
                await session.ExecuteAsync(
                    $"""
                    INSERT INTO shared_pool_usage (minute, tenant_id, agent_ms)
                    SELECT u.minute, u.tenant_id, SUM(u.agent_ms) FROM {session.Dialect.RowsOf("u", ("minutes", "minute"), ("tenants", "tenant_id"), ("amounts", "agent_ms"))}
                    GROUP BY u.minute, u.tenant_id
                    ON CONFLICT (minute, tenant_id) DO UPDATE SET agent_ms = shared_pool_usage.agent_ms + excluded.agent_ms;
                    """,
                    new
                    {
                        minutes = ValueList.Of(usage.Select(u => u.Minute)),
                        tenants = new TextList([.. usage.Select(u => u.TenantId)]),
                        amounts = ValueList.Of(usage.Select(u => u.AgentMilliseconds)),
                    });
            }
            await session.ExecuteAsync("DELETE FROM shared_pool_usage WHERE minute < @minute;", new { minute = SharedPoolMinutes.MinuteOf(pruneBefore) });
        }, cancellationToken);

    // System scope, narrowed to one tenant: its jobs on shared agents are visible only with the agents' (shared) rows.
    public Task<double> GetUsedAgentSecondsAsync(string tenantId, DateTimeOffset since, CancellationToken cancellationToken) =>
        database.SystemReadAsync(async session =>
        {
            using var reads = await session.QueryMultipleAsync(UsageSql(session.Dialect), UsageParameters([tenantId], since, time.GetUtcNow()));
            var rows = new SharedPoolRows();
            rows.AddUsage(await reads.ReadAsync<(string, double)>());
            rows.AddUsage(await reads.ReadAsync<(string, double)>());
            return rows.UsedMilliseconds.GetValueOrDefault(tenantId) / 1000.0;
        }, cancellationToken);

    // System scope, narrowed to the calling agent: a shared agent's jobs belong to many tenants.
    public Task<HeldJob?> FindHeldJobAsync(string agentId, string jobId, CancellationToken cancellationToken) =>
        database.SystemReadAsync(session => session.QuerySingleOrDefaultAsync<HeldJob>(
            $"SELECT {HeldJob.Select} FROM jobs WHERE id = @jobId AND agent_id = @agentId;", new { jobId, agentId }), cancellationToken);

    public Task<IReadOnlyList<HeldJob>> ListHeldJobsAsync(string agentId, CancellationToken cancellationToken) =>
        database.SystemReadAsync(session => session.ListAsync<HeldJob>(
            $"SELECT {HeldJob.Select} FROM jobs WHERE agent_id = @agentId AND state IN {JobRow.ActiveStates};", new { agentId }), cancellationToken);

    public Task<bool> HoldsPackageAsync(string agentId, string sha256, CancellationToken cancellationToken) =>
        database.SystemReadAsync(session => session.ScalarAsync<bool>(
            $"SELECT EXISTS (SELECT 1 FROM jobs WHERE agent_id = @agentId AND state IN {JobRow.ActiveStates} AND package_sha256 = @sha256);",
            new { agentId, sha256 }), cancellationToken);

    /// <summary>Two result sets: recorded per-minute usage since the window's minute, and the elapsed time (within the window) of jobs on shared agents now.</summary>
    private static string UsageSql(SqlDialect sql) =>
        $"""
        SELECT tenant_id AS TenantId, CAST(SUM(agent_ms) AS double precision) AS Amount FROM shared_pool_usage
        WHERE minute >= @minute AND {sql.InList("tenant_id", "ids")} GROUP BY tenant_id;
        SELECT j.tenant_id AS TenantId,
               CAST(SUM({sql.Greatest("0", sql.MillisecondsBetween(sql.Greatest("COALESCE(j.started_at, j.assigned_at)", "@since"), "@now"))}) AS double precision) AS Amount
        FROM agents a JOIN jobs j ON j.agent_id = a.id
        WHERE a.tenant_id = @shared AND j.state IN {JobRow.ActiveStates} AND {sql.InList("j.tenant_id", "ids")}
        GROUP BY j.tenant_id;
        """;

    /// <summary>The parameters of <see cref="UsageSql"/>, and the heads' <c>limit</c>.</summary>
    private static object UsageParameters(IReadOnlyList<string> tenantIds, DateTimeOffset since, DateTimeOffset now, int limit = 0) => new
    {
        ids = new TextList(tenantIds),
        minute = SharedPoolMinutes.MinuteOf(since),
        since,
        now,
        shared = SharedPool.TenantId,
        limit,
    };
}
