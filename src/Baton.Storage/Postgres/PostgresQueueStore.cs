using Baton.Storage.Model;
using Dapper;

namespace Baton.Storage.Postgres;

internal sealed class PostgresQueueStore(PostgresDatabase database, TimeProvider time) : IQueueStore
{
    private const string Columns =
        "tenant_id AS TenantId, name AS Name, priority AS Priority, max_concurrency AS MaxConcurrency, paused AS Paused, created_at AS CreatedAt, " +
        "agent_groups AS AgentGroups, reserved_slots AS ReservedSlots, reserved_min_priority AS ReservedMinPriority";

    public Task<QueueCreateResult> CreateAsync(QueueRecord queue, int maxQueues, CancellationToken cancellationToken) =>
        database.InTenantAsync(queue.TenantId, async (connection, transaction) =>
        {
            // Serialises creations of one tenant so two replicas cannot both take the last quota slot.
            await connection.ExecuteAsync(PgSql.Command(
                "SELECT pg_advisory_xact_lock(hashtextextended('queues:' || @TenantId, 0));", new { queue.TenantId }, transaction, cancellationToken));
            var (count, exists) = await connection.QuerySingleAsync<(int, bool)>(PgSql.Command(
                "SELECT COUNT(*)::integer, COALESCE(bool_or(name = @Name), false) FROM queues WHERE tenant_id = @TenantId;",
                new { queue.TenantId, queue.Name }, transaction, cancellationToken));
            if (exists) return QueueCreateResult.NameTaken;
            if (count >= maxQueues) return QueueCreateResult.QuotaExceeded;
            await connection.ExecuteAsync(PgSql.Command(
                """
                INSERT INTO queues (tenant_id, name, priority, max_concurrency, paused, created_at, agent_groups, reserved_slots, reserved_min_priority)
                VALUES (@TenantId, @Name, @Priority, @MaxConcurrency, @Paused, @CreatedAt, @AgentGroups, @ReservedSlots, @ReservedMinPriority);
                """,
                new { queue.TenantId, queue.Name, queue.Priority, queue.MaxConcurrency, queue.Paused, CreatedAt = PgTime.ToDb(queue.CreatedAt),
                      AgentGroups = queue.AgentGroups.ToArray(), queue.ReservedSlots, queue.ReservedMinPriority },
                transaction, cancellationToken));
            return QueueCreateResult.Created;
        }, cancellationToken);

    public Task<QueueRecord?> GetAsync(string tenantId, string name, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async (connection, transaction) =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<QueueRow>(PgSql.Command(
                $"SELECT {Columns} FROM queues WHERE tenant_id = @tenantId AND name = @name;", new { tenantId, name }, transaction, cancellationToken));
            return row?.ToRecord();
        }, cancellationToken);

    public Task<IReadOnlyList<QueueRecord>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        database.InTenantAsync<IReadOnlyList<QueueRecord>>(tenantId, async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync<QueueRow>(PgSql.Command(
                $"SELECT {Columns} FROM queues WHERE tenant_id = @tenantId ORDER BY name;", new { tenantId }, transaction, cancellationToken));
            return rows.Select(row => row.ToRecord()).ToList();
        }, cancellationToken);

    public Task<QueueRecord?> UpdateAsync(string tenantId, string name, QueueUpdate update, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async (connection, transaction) =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<QueueRow>(PgSql.Command(
                $"""
                UPDATE queues
                SET priority = COALESCE(@Priority, priority),
                    max_concurrency = CASE WHEN @ClearMaxConcurrency THEN NULL ELSE COALESCE(@MaxConcurrency, max_concurrency) END,
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
                    update.ClearMaxConcurrency,
                    update.Paused,
                    AgentGroups = update.AgentGroups?.ToArray(),
                    update.ReservedSlots,
                    update.ReservedMinPriority,
                },
                transaction, cancellationToken));
            return row?.ToRecord();
        }, cancellationToken);

    public Task<int> CountAsync(string tenantId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, (connection, transaction) => connection.ExecuteScalarAsync<int>(PgSql.Command(
            "SELECT COUNT(*)::integer FROM queues WHERE tenant_id = @tenantId;", new { tenantId }, transaction, cancellationToken)), cancellationToken);

    public Task<int> CountActiveAsync(string tenantId, string name, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, (connection, transaction) => connection.ExecuteScalarAsync<int>(PgSql.Command(
            $"SELECT COUNT(*)::integer FROM jobs WHERE tenant_id = @tenantId AND queue = @name AND state IN {PgSql.ActiveStates};",
            new { tenantId, name }, transaction, cancellationToken)), cancellationToken);

    public Task<int> CountAheadAsync(JobRecord job, int queuePriority, CancellationToken cancellationToken) =>
        database.InTenantAsync(job.TenantId, (connection, transaction) => connection.ExecuteScalarAsync<int>(PgSql.Command(
            """
            SELECT COUNT(*)::integer FROM (
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
                now = PgTime.ToDb(time.GetUtcNow()),
                effective = job.Priority + queuePriority,
                submittedAt = PgTime.ToDb(job.SubmittedAt),
            },
            transaction, cancellationToken)), cancellationToken);

    private sealed class QueueRow
    {
        public string TenantId { get; set; } = "";
        public string Name { get; set; } = "";
        public int Priority { get; set; }
        public int? MaxConcurrency { get; set; }
        public bool Paused { get; set; }
        public DateTime CreatedAt { get; set; }
        public string[] AgentGroups { get; set; } = [];
        public int ReservedSlots { get; set; }
        public int ReservedMinPriority { get; set; }

        public QueueRecord ToRecord() => new(
            TenantId, Name, Priority, MaxConcurrency, Paused, PgTime.FromDb(CreatedAt), AgentGroups, ReservedSlots, ReservedMinPriority);
    }
}
