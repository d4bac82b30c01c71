using Baton.Core.Jobs;
using Baton.Storage.Model;
using Dapper;

namespace Baton.Storage.Postgres;

internal sealed class PostgresScheduleStore(PostgresDatabase database) : IScheduleStore
{
    private const string Select = $"SELECT {PostgresScheduleRow.Columns} FROM schedules";

    public Task<ScheduleWriteResult> CreateAsync(ScheduleRecord schedule, int maxSchedules, CancellationToken cancellationToken) =>
        database.InTenantAsync(schedule.TenantId, async (connection, transaction) =>
        {
            // Serialises creations of one tenant so two replicas cannot both take the last quota slot.
            await connection.ExecuteAsync(PgSql.Command(
                "SELECT pg_advisory_xact_lock(hashtextextended('schedules:' || @TenantId, 0));", new { schedule.TenantId }, transaction, cancellationToken));
            var (count, taken) = await connection.QuerySingleAsync<(int, bool)>(PgSql.Command(
                "SELECT COUNT(*)::integer, COALESCE(bool_or(name = @Name), false) FROM schedules WHERE tenant_id = @TenantId;",
                new { schedule.TenantId, schedule.Name }, transaction, cancellationToken));
            if (taken) return ScheduleWriteResult.NameTaken;
            if (count >= maxSchedules) return ScheduleWriteResult.QuotaExceeded;
            await connection.ExecuteAsync(PgSql.Command(
                """
                INSERT INTO schedules (tenant_id, id, name, cron, time_zone, package_name, package_version, inputs, queue, priority,
                    calendar_name, calendar_mode, concurrency_policy, misfire_policy, catch_up_window_ms, paused, pause_reason,
                    consecutive_failures, auto_pause_after, next_fire_at, queued_fire_at, created_at, updated_at)
                VALUES (@TenantId, @Id, @Name, @Cron, @TimeZone, @PackageName, @PackageVersion, @Inputs::jsonb, @Queue, @Priority,
                    @CalendarName, @CalendarMode, @Concurrency, @Misfire, @CatchUpWindowMs, @Paused, @PauseReason,
                    @ConsecutiveFailures, @AutoPauseAfter, @NextFireAt, @QueuedFireAt, @CreatedAt, @UpdatedAt);
                """,
                PostgresScheduleRow.Parameters(schedule), transaction, cancellationToken));
            return ScheduleWriteResult.Ok;
        }, cancellationToken);

    public Task<ScheduleRecord?> GetAsync(string tenantId, string idOrName, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async (connection, transaction) =>
        {
            var row = await connection.QueryFirstOrDefaultAsync<PostgresScheduleRow>(PgSql.Command(
                $"{Select} WHERE tenant_id = @tenantId AND (id = @idOrName OR name = @idOrName) ORDER BY id = @idOrName DESC LIMIT 1;",
                new { tenantId, idOrName }, transaction, cancellationToken));
            return row?.ToRecord();
        }, cancellationToken);

    public Task<IReadOnlyList<ScheduleRecord>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadInTenantAsync<IReadOnlyList<ScheduleRecord>>(tenantId, async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync<PostgresScheduleRow>(PgSql.Command(
                $"{Select} WHERE tenant_id = @tenantId ORDER BY name;", new { tenantId }, transaction, cancellationToken));
            return [.. rows.Select(r => r.ToRecord())];
        }, cancellationToken);

    public Task<int> CountAsync(string tenantId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, (connection, transaction) => connection.ExecuteScalarAsync<int>(PgSql.Command(
            "SELECT COUNT(*)::integer FROM schedules WHERE tenant_id = @tenantId;", new { tenantId }, transaction, cancellationToken)), cancellationToken);

    public Task<ScheduleWriteResult> UpdateAsync(ScheduleRecord schedule, CancellationToken cancellationToken) =>
        database.InTenantAsync(schedule.TenantId, async (connection, transaction) =>
        {
            var taken = await connection.ExecuteScalarAsync<bool>(PgSql.Command(
                "SELECT EXISTS (SELECT 1 FROM schedules WHERE tenant_id = @TenantId AND name = @Name AND id <> @Id);",
                new { schedule.TenantId, schedule.Name, schedule.Id }, transaction, cancellationToken));
            if (taken) return ScheduleWriteResult.NameTaken;
            var updated = await connection.ExecuteAsync(PgSql.Command(
                """
                UPDATE schedules SET name = @Name, cron = @Cron, time_zone = @TimeZone, package_name = @PackageName,
                    package_version = @PackageVersion, inputs = @Inputs::jsonb, queue = @Queue, priority = @Priority,
                    calendar_name = @CalendarName, calendar_mode = @CalendarMode, concurrency_policy = @Concurrency,
                    misfire_policy = @Misfire, catch_up_window_ms = @CatchUpWindowMs, paused = @Paused, pause_reason = @PauseReason,
                    consecutive_failures = @ConsecutiveFailures, auto_pause_after = @AutoPauseAfter, next_fire_at = @NextFireAt,
                    queued_fire_at = @QueuedFireAt, updated_at = @UpdatedAt
                WHERE tenant_id = @TenantId AND id = @Id;
                """,
                PostgresScheduleRow.Parameters(schedule), transaction, cancellationToken));
            return updated == 0 ? ScheduleWriteResult.NotFound : ScheduleWriteResult.Ok;
        }, cancellationToken);

    public Task<bool> DeleteAsync(string tenantId, string id, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async (connection, transaction) => await connection.ExecuteAsync(PgSql.Command(
            "DELETE FROM schedules WHERE tenant_id = @tenantId AND id = @id;", new { tenantId, id }, transaction, cancellationToken)) > 0,
            cancellationToken);

    // System scope: the scheduler serves every tenant; SKIP LOCKED lets replicas split the due schedules.
    public Task<IReadOnlyList<ScheduleRecord>> ClaimDueAsync(DateTimeOffset now, TimeSpan claimFor, int limit, CancellationToken cancellationToken) =>
        database.InSystemAsync<IReadOnlyList<ScheduleRecord>>(async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync<PostgresScheduleRow>(PgSql.Command(
                $"""
                UPDATE schedules SET claimed_until = @until
                WHERE (tenant_id, id) IN (
                    SELECT tenant_id, id FROM schedules
                    WHERE NOT paused AND (next_fire_at <= @now OR queued_fire_at IS NOT NULL)
                      AND (claimed_until IS NULL OR claimed_until <= @now)
                    ORDER BY next_fire_at LIMIT @limit
                    FOR UPDATE SKIP LOCKED)
                RETURNING {PostgresScheduleRow.Columns};
                """,
                new { now = PgTime.ToDb(now), until = PgTime.ToDb(now + claimFor), limit }, transaction, cancellationToken));
            return [.. rows.Select(r => r.ToRecord()).OrderBy(s => s.NextFireAt)];
        }, cancellationToken);

    public Task<bool> AdvanceAsync(ScheduleAdvance advance, CancellationToken cancellationToken) =>
        database.InTenantAsync(advance.TenantId, async (connection, transaction) => await connection.ExecuteAsync(PgSql.Command(
            """
            UPDATE schedules
            SET next_fire_at = @NextFireAt,
                last_fire_at = COALESCE(@LastFireAt, last_fire_at),
                last_job_counted = CASE WHEN @LastJobId::text IS NULL THEN last_job_counted ELSE false END,
                last_job_id = COALESCE(@LastJobId, last_job_id),
                queued_fire_at = @QueuedFireAt,
                claimed_until = NULL
            WHERE tenant_id = @TenantId AND id = @ScheduleId AND next_fire_at IS NOT DISTINCT FROM @Expected;
            """,
            new
            {
                advance.TenantId,
                advance.ScheduleId,
                Expected = PgTime.ToDb(advance.ExpectedNextFireAt),
                NextFireAt = PgTime.ToDb(advance.NextFireAt),
                LastFireAt = PgTime.ToDb(advance.LastFireAt),
                advance.LastJobId,
                QueuedFireAt = PgTime.ToDb(advance.QueuedFireAt),
            },
            transaction, cancellationToken)) > 0, cancellationToken);

    // System scope: outcomes are counted for every tenant's schedules in one sweep.
    public Task<IReadOnlyList<SettledScheduleRun>> ListSettledRunsAsync(int limit, CancellationToken cancellationToken) =>
        database.InSystemAsync<IReadOnlyList<SettledScheduleRun>>(async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync<(string TenantId, string ScheduleId, string JobId, string State)>(PgSql.Command(
                """
                SELECT s.tenant_id, s.id, j.id, j.state FROM schedules s
                JOIN jobs j ON j.tenant_id = s.tenant_id AND j.id = s.last_job_id
                WHERE NOT s.last_job_counted AND j.state IN ('succeeded', 'failed', 'cancelled', 'timed_out')
                LIMIT @limit;
                """,
                new { limit }, transaction, cancellationToken));
            return [.. rows.Select(r => new SettledScheduleRun(r.TenantId, r.ScheduleId, r.JobId, JobStates.Parse(r.State)))];
        }, cancellationToken);

    public Task<ScheduleRecord?> RecordRunAsync(string tenantId, string scheduleId, string? jobId, bool failed, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async (connection, transaction) =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<PostgresScheduleRow>(PgSql.Command(
                $"""
                UPDATE schedules
                SET consecutive_failures = CASE WHEN @failed THEN consecutive_failures + 1 ELSE 0 END,
                    last_job_counted = CASE WHEN @jobId::text IS NULL THEN last_job_counted ELSE true END
                WHERE tenant_id = @tenantId AND id = @scheduleId
                  AND (@jobId::text IS NULL OR (last_job_id = @jobId AND NOT last_job_counted))
                RETURNING {PostgresScheduleRow.Columns};
                """,
                new { tenantId, scheduleId, jobId, failed }, transaction, cancellationToken));
            return row?.ToRecord();
        }, cancellationToken);

    public Task<IReadOnlyList<ScheduleRecord>> ListDueByAsync(string? tenantId, DateTimeOffset until, CancellationToken cancellationToken)
    {
        const string sql = $"{Select} WHERE NOT paused AND next_fire_at <= @until AND (@tenantId::text IS NULL OR tenant_id = @tenantId) ORDER BY next_fire_at;";
        async Task<IReadOnlyList<ScheduleRecord>> Query(Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction transaction)
        {
            var rows = await connection.QueryAsync<PostgresScheduleRow>(PgSql.Command(
                sql, new { tenantId, until = PgTime.ToDb(until) }, transaction, cancellationToken));
            return [.. rows.Select(r => r.ToRecord())];
        }
        // Without a tenant this is the system-wide upcoming-fires view (system admins, the autoscaler).
        return tenantId is null ? database.InSystemAsync(Query, cancellationToken) : database.ReadInTenantAsync(tenantId, Query, cancellationToken);
    }
}
