using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Sqlite;

internal sealed class SqliteQueueStore(SqliteDatabase database, TimeProvider time) : IQueueStore
{
    private const string Columns =
        "tenant_id AS TenantId, name AS Name, priority AS Priority, max_concurrency AS MaxConcurrency, paused AS Paused, created_at AS CreatedAt, " +
        "agent_groups AS AgentGroups, reserved_slots AS ReservedSlots, reserved_min_priority AS ReservedMinPriority";

    public Task<QueueCreateResult> CreateAsync(QueueRecord queue, int maxQueues, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var count = await connection.ExecuteScalarAsync<long>(Sql.Command(
                "SELECT COUNT(*) FROM queues WHERE tenant_id = @TenantId;", new { queue.TenantId }, transaction, cancellationToken));
            var exists = await connection.ExecuteScalarAsync<long>(Sql.Command(
                "SELECT COUNT(*) FROM queues WHERE tenant_id = @TenantId AND name = @Name;", new { queue.TenantId, queue.Name }, transaction, cancellationToken));
            if (exists > 0) return QueueCreateResult.NameTaken;
            if (count >= maxQueues) return QueueCreateResult.QuotaExceeded;
            await connection.ExecuteAsync(Sql.Command(
                """
                INSERT INTO queues (tenant_id, name, priority, max_concurrency, paused, created_at, agent_groups, reserved_slots, reserved_min_priority)
                VALUES (@TenantId, @Name, @Priority, @MaxConcurrency, @Paused, @CreatedAt, @AgentGroups, @ReservedSlots, @ReservedMinPriority);
                """,
                new { queue.TenantId, queue.Name, queue.Priority, queue.MaxConcurrency, Paused = queue.Paused ? 1 : 0, CreatedAt = StoredTime.ToMs(queue.CreatedAt),
                      AgentGroups = StoredJson.Serialize(queue.AgentGroups), queue.ReservedSlots, queue.ReservedMinPriority },
                transaction, cancellationToken));
            return QueueCreateResult.Created;
        }, cancellationToken);

    public Task<QueueRecord?> GetAsync(string tenantId, string name, CancellationToken cancellationToken) =>
        database.ReadAsync(async connection =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<QueueRow>(Sql.Command(
                $"SELECT {Columns} FROM queues WHERE tenant_id = @tenantId AND name = @name;", new { tenantId, name }, cancellationToken));
            return row?.ToRecord();
        }, cancellationToken);

    public Task<IReadOnlyList<QueueRecord>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<QueueRecord>>(async connection =>
        {
            var rows = await connection.QueryAsync<QueueRow>(Sql.Command(
                $"SELECT {Columns} FROM queues WHERE tenant_id = @tenantId ORDER BY name;", new { tenantId }, cancellationToken));
            return rows.Select(row => row.ToRecord()).ToList();
        }, cancellationToken);

    public Task<QueueRecord?> UpdateAsync(string tenantId, string name, QueueUpdate update, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<QueueRow>(Sql.Command(
                $"""
                UPDATE queues
                SET priority = COALESCE(@Priority, priority),
                    max_concurrency = CASE WHEN @ClearMaxConcurrency = 1 THEN NULL ELSE COALESCE(@MaxConcurrency, max_concurrency) END,
                    paused = COALESCE(@Paused, paused),
                    agent_groups = COALESCE(@AgentGroups, agent_groups),
                    reserved_slots = COALESCE(@ReservedSlots, reserved_slots),
                    reserved_min_priority = COALESCE(@ReservedMinPriority, reserved_min_priority)
                WHERE tenant_id = @tenantId AND name = @name
                RETURNING {Columns};
                """,
                new
                {
                    tenantId,
                    name,
                    update.Priority,
                    update.MaxConcurrency,
                    ClearMaxConcurrency = update.ClearMaxConcurrency ? 1 : 0,
                    Paused = update.Paused is { } paused ? (paused ? 1 : 0) : (int?)null,
                    AgentGroups = update.AgentGroups is null ? null : StoredJson.Serialize(update.AgentGroups),
                    update.ReservedSlots,
                    update.ReservedMinPriority,
                },
                transaction, cancellationToken));
            return row?.ToRecord();
        }, cancellationToken);

    public Task<int> CountAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => connection.ExecuteScalarAsync<int>(Sql.Command(
            "SELECT COUNT(*) FROM queues WHERE tenant_id = @tenantId;", new { tenantId }, cancellationToken)), cancellationToken);

    public Task<int> CountActiveAsync(string tenantId, string name, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => connection.ExecuteScalarAsync<int>(Sql.Command(
            "SELECT COUNT(*) FROM jobs WHERE tenant_id = @tenantId AND queue = @name AND state IN ('assigned', 'running');",
            new { tenantId, name }, cancellationToken)), cancellationToken);

    public Task<int> CountAheadAsync(JobRecord job, int queuePriority, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => connection.ExecuteScalarAsync<int>(Sql.Command(
            """
            SELECT COUNT(*) FROM (
                SELECT j.priority + COALESCE(q.priority, 0) AS effective, j.submitted_at, j.id
                FROM jobs j LEFT JOIN queues q ON q.tenant_id = j.tenant_id AND q.name = j.queue
                WHERE j.tenant_id = @TenantId AND j.state = 'pending' AND j.id <> @Id
                  AND (j.not_before IS NULL OR j.not_before <= @now) AND COALESCE(q.paused, 0) = 0
            ) WHERE effective > @effective OR (effective = @effective AND (submitted_at < @submittedAt OR (submitted_at = @submittedAt AND id < @Id)));
            """,
            new
            {
                job.TenantId,
                job.Id,
                now = StoredTime.ToMs(time.GetUtcNow()),
                effective = job.Priority + queuePriority,
                submittedAt = StoredTime.ToMs(job.SubmittedAt),
            },
            cancellationToken)), cancellationToken);

    private sealed class QueueRow
    {
        public string TenantId { get; set; } = "";
        public string Name { get; set; } = "";
        public long Priority { get; set; }
        public long? MaxConcurrency { get; set; }
        public long Paused { get; set; }
        public long CreatedAt { get; set; }
        public string AgentGroups { get; set; } = "[]";
        public long ReservedSlots { get; set; }
        public long ReservedMinPriority { get; set; }

        public QueueRecord ToRecord() => new(
            TenantId, Name, checked((int)Priority), MaxConcurrency is { } max ? checked((int)max) : null, Paused != 0, StoredTime.FromMs(CreatedAt),
            StoredJson.Deserialize<List<string>>(AgentGroups), checked((int)ReservedSlots), checked((int)ReservedMinPriority));
    }
}
