using Baton.Storage.Model;

namespace Baton.Storage.Relational;

internal sealed class QueueStore(IStoreDatabase database, TimeProvider time) : IQueueStore
{
    // In the order of QueueRecord's constructor: Dapper reads a row straight into it; Row is what Insert binds.
    private static readonly string[] All =
        ["tenant_id", "name", "priority", "max_concurrency", "paused", "created_at", "agent_groups", "reserved_slots", "reserved_min_priority"];

    private static readonly string Insert = $"INSERT INTO queues ({Columns.Names(All)}) VALUES ({Columns.Values(All)});";
    private static readonly string Select = Columns.Select(All);

    public Task<QueueCreateResult> CreateAsync(QueueRecord queue, int maxQueues, CancellationToken cancellationToken) =>
        database.WriteAsync(queue.TenantId, async session =>
        {
            switch (await session.NameQuotaAsync("queues", queue.TenantId, queue.Name, maxQueues))
            {
                case NameQuota.Taken: return QueueCreateResult.NameTaken;
                case NameQuota.Full: return QueueCreateResult.QuotaExceeded;
            }
            await session.ExecuteAsync(Insert, Row(queue));
            return QueueCreateResult.Created;
        }, cancellationToken);

    public Task<QueueRecord?> GetAsync(string tenantId, string name, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => session.QuerySingleOrDefaultAsync<QueueRecord>(
            $"SELECT {Select} FROM queues WHERE tenant_id = @tenantId AND name = @name;", new { tenantId, name }), cancellationToken);

    public Task<IReadOnlyList<QueueRecord>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => session.ListAsync<QueueRecord>(
            $"SELECT {Select} FROM queues WHERE tenant_id = @tenantId ORDER BY name;", new { tenantId }), cancellationToken);

    public Task<QueueRecord?> UpdateAsync(string tenantId, string name, QueueUpdate update, CancellationToken cancellationToken) =>
        database.WriteAsync(tenantId, session => session.QuerySingleOrDefaultAsync<QueueRecord>(
            $"""
            UPDATE queues
            SET priority = COALESCE(@Priority, priority),
                max_concurrency = CASE WHEN @ClearMaxConcurrency THEN NULL ELSE COALESCE(@MaxConcurrency, max_concurrency) END,
                paused = COALESCE(@Paused, paused),
                agent_groups = COALESCE(@AgentGroups, agent_groups),
                reserved_slots = COALESCE(@ReservedSlots, reserved_slots),
                reserved_min_priority = COALESCE(@ReservedMinPriority, reserved_min_priority)
            WHERE tenant_id = @tenantId AND name = @name
            RETURNING {Select};
            """,
            new
            {
                tenantId,
                name,
                update.Priority,
                update.MaxConcurrency,
                update.ClearMaxConcurrency,
                update.Paused,
                AgentGroups = TextList.OfOrNull(update.AgentGroups),
                update.ReservedSlots,
                update.ReservedMinPriority,
            }), cancellationToken);

    public Task<int> CountActiveAsync(string tenantId, string name, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => session.ScalarAsync<int>(
            "SELECT COUNT(*) FROM jobs WHERE tenant_id = @tenantId AND queue = @name AND state IN ('assigned', 'running');",
            new { tenantId, name }), cancellationToken);

    public Task<int> CountAheadAsync(JobRecord job, int queuePriority, CancellationToken cancellationToken) =>
        database.ReadAsync(job.TenantId, session => session.ScalarAsync<int>(
            """
            SELECT COUNT(*) FROM (
                SELECT j.priority + COALESCE(q.priority, 0) AS effective, j.submitted_at, j.id
                FROM jobs j LEFT JOIN queues q ON q.tenant_id = j.tenant_id AND q.name = j.queue
                WHERE j.tenant_id = @TenantId AND j.state = 'pending' AND j.id <> @Id
                  AND (j.not_before IS NULL OR j.not_before <= @now) AND NOT COALESCE(q.paused, false)
            ) ready
            WHERE effective > @effective OR (effective = @effective AND (submitted_at, id) < (@submittedAt, @Id));
            """,
            new
            {
                job.TenantId,
                job.Id,
                now = time.GetUtcNow(),
                effective = job.Priority + queuePriority,
                submittedAt = job.SubmittedAt,
            }), cancellationToken);

    private static object Row(QueueRecord queue) => new
    {
        queue.TenantId, queue.Name, queue.Priority, queue.MaxConcurrency, queue.Paused, queue.CreatedAt,
        AgentGroups = new TextList(queue.AgentGroups), queue.ReservedSlots, queue.ReservedMinPriority,
    };
}
