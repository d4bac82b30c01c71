using Baton.Storage.Model;

namespace Baton.Storage.Relational;

// Reads: one item, a queue's page, an item's history, the counts per queue and the waiting depth for metrics.
internal sealed partial class WorkItemStore
{
    public Task<WorkItemRecord?> GetAsync(string tenantId, string itemId, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, async session => (await session.QuerySingleOrDefaultAsync<WorkItemRow>(
            $"SELECT {WorkItemRow.Select} FROM work_items WHERE tenant_id = @tenantId AND id = @itemId;", new { tenantId, itemId }))?.ToRecord(),
            cancellationToken);

    public Task<IReadOnlyList<WorkItemRecord>> ListAsync(
        string tenantId, string queue, WorkItemState? state, int limit, string? after, CancellationToken cancellationToken) =>
        database.ReadListAsync<IReadOnlyList<WorkItemRecord>>(tenantId, async session => (await session.QueryAsync<WorkItemRow>(
            $"""
            SELECT {WorkItemRow.Select} FROM work_items
            WHERE tenant_id = @tenantId AND queue = @queue
              {(state is null ? "" : "AND state = @state")} {(after is null ? "" : "AND id > @after")}
            ORDER BY id LIMIT @limit;
            """, new { tenantId, queue, state = state?.ToText(), after, limit })).Select(row => row.ToRecord()).ToList(), cancellationToken);

    public Task<IReadOnlyList<WorkItemEvent>> ListEventsAsync(string tenantId, string itemId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<WorkItemEvent>>(tenantId, async session => (await session.QueryAsync<WorkItemEventRow>(
            """
            SELECT at AS At, type AS Type, attempt AS Attempt, job_id AS JobId, detail AS Detail
            FROM work_item_events WHERE tenant_id = @tenantId AND item_id = @itemId ORDER BY id;
            """, new { tenantId, itemId })).Select(row => row.ToEvent()).ToList(), cancellationToken);

    public Task<IReadOnlyList<WorkItemQueueStats>> StatsAsync(string tenantId, string? queue, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<WorkItemQueueStats>>(tenantId, async session => (await session.QueryAsync<WorkItemStatsRow>(
            $"""
            SELECT queue AS Queue,
                   COUNT(*) FILTER (WHERE state = 'pending') AS Pending,
                   COUNT(*) FILTER (WHERE state = 'in_progress') AS InProgress,
                   COUNT(*) FILTER (WHERE state = 'done') AS Done,
                   COUNT(*) FILTER (WHERE state = 'failed') AS Failed,
                   COUNT(*) FILTER (WHERE state = 'failed' AND failure_kind = 'business') AS BusinessFailures,
                   COUNT(*) FILTER (WHERE deadline_at IS NOT NULL
                       AND ((finished_at IS NOT NULL AND finished_at > deadline_at) OR (finished_at IS NULL AND deadline_at < @now))) AS SlaMissed,
                   CAST(COALESCE(SUM(CASE WHEN attempts > 1 THEN attempts - 1 ELSE 0 END), 0) AS bigint) AS Retries,
                   MIN(created_at) FILTER (WHERE state = 'pending') AS OldestPendingAt
            FROM work_items WHERE tenant_id = @tenantId {(queue is null ? "" : "AND queue = @queue")}
            GROUP BY queue ORDER BY queue;
            """, new { tenantId, queue, now = time.GetUtcNow() })).Select(row => row.ToStats()).ToList(), cancellationToken);

    public Task<IReadOnlyList<WorkItemDepth>> ReadDepthsAsync(CancellationToken cancellationToken) =>
        // System scope: metrics report every tenant's waiting items.
        database.SystemReadAsync<IReadOnlyList<WorkItemDepth>>(async session => (await session.QueryAsync<DepthRow>(
            "SELECT tenant_id AS TenantId, queue AS Queue, COUNT(*) AS Pending FROM work_items WHERE state = 'pending' GROUP BY tenant_id, queue;"))
            .Select(row => new WorkItemDepth(row.TenantId, row.Queue, row.Pending)).ToList(), cancellationToken);

    private sealed class DepthRow
    {
        public string TenantId { get; set; } = "";
        public string Queue { get; set; } = "";
        public long Pending { get; set; }
    }
}
