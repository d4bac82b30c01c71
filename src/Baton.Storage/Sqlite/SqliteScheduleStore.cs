using Baton.Core.Jobs;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Sqlite;

internal sealed class SqliteScheduleStore(SqliteDatabase database) : IScheduleStore
{
    private const string Select = $"SELECT {SqliteScheduleRow.Columns} FROM schedules";

    public Task<ScheduleWriteResult> CreateAsync(ScheduleRecord schedule, int maxSchedules, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var (count, taken) = await connection.QuerySingleAsync<(long, long)>(Sql.Command(
                "SELECT COUNT(*), COALESCE(SUM(name = @Name), 0) FROM schedules WHERE tenant_id = @TenantId;",
                new { schedule.TenantId, schedule.Name }, transaction, cancellationToken));
            if (taken > 0) return ScheduleWriteResult.NameTaken;
            if (count >= maxSchedules) return ScheduleWriteResult.QuotaExceeded;
            await connection.ExecuteAsync(Sql.Command(
                """
                INSERT INTO schedules (tenant_id, id, name, cron, time_zone, package_name, package_version, inputs, queue, priority,
                    calendar_name, calendar_mode, concurrency_policy, misfire_policy, catch_up_window_ms, paused, pause_reason,
                    consecutive_failures, auto_pause_after, next_fire_at, queued_fire_at, created_at, updated_at)
                VALUES (@TenantId, @Id, @Name, @Cron, @TimeZone, @PackageName, @PackageVersion, @Inputs, @Queue, @Priority,
                    @CalendarName, @CalendarMode, @Concurrency, @Misfire, @CatchUpWindowMs, @Paused, @PauseReason,
                    @ConsecutiveFailures, @AutoPauseAfter, @NextFireAt, @QueuedFireAt, @CreatedAt, @UpdatedAt);
                """,
                SqliteScheduleRow.Parameters(schedule), transaction, cancellationToken));
            return ScheduleWriteResult.Ok;
        }, cancellationToken);

    public Task<ScheduleRecord?> GetAsync(string tenantId, string idOrName, CancellationToken cancellationToken) =>
        database.ReadAsync(async connection =>
        {
            var row = await connection.QueryFirstOrDefaultAsync<SqliteScheduleRow>(Sql.Command(
                $"{Select} WHERE tenant_id = @tenantId AND (id = @idOrName OR name = @idOrName) ORDER BY id = @idOrName DESC LIMIT 1;",
                new { tenantId, idOrName }, cancellationToken));
            return row?.ToRecord();
        }, cancellationToken);

    public Task<IReadOnlyList<ScheduleRecord>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<ScheduleRecord>>(async connection =>
        {
            var rows = await connection.QueryAsync<SqliteScheduleRow>(Sql.Command(
                $"{Select} WHERE tenant_id = @tenantId ORDER BY name;", new { tenantId }, cancellationToken));
            return [.. rows.Select(r => r.ToRecord())];
        }, cancellationToken);

    public Task<int> CountAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => connection.ExecuteScalarAsync<int>(Sql.Command(
            "SELECT COUNT(*) FROM schedules WHERE tenant_id = @tenantId;", new { tenantId }, cancellationToken)), cancellationToken);

    public Task<ScheduleWriteResult> UpdateAsync(ScheduleRecord schedule, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var taken = await connection.ExecuteScalarAsync<long>(Sql.Command(
                "SELECT COUNT(*) FROM schedules WHERE tenant_id = @TenantId AND name = @Name AND id <> @Id;",
                new { schedule.TenantId, schedule.Name, schedule.Id }, transaction, cancellationToken));
            if (taken > 0) return ScheduleWriteResult.NameTaken;
            var updated = await connection.ExecuteAsync(Sql.Command(
                """
                UPDATE schedules SET name = @Name, cron = @Cron, time_zone = @TimeZone, package_name = @PackageName,
                    package_version = @PackageVersion, inputs = @Inputs, queue = @Queue, priority = @Priority,
                    calendar_name = @CalendarName, calendar_mode = @CalendarMode, concurrency_policy = @Concurrency,
                    misfire_policy = @Misfire, catch_up_window_ms = @CatchUpWindowMs, paused = @Paused, pause_reason = @PauseReason,
                    consecutive_failures = @ConsecutiveFailures, auto_pause_after = @AutoPauseAfter, next_fire_at = @NextFireAt,
                    queued_fire_at = @QueuedFireAt, updated_at = @UpdatedAt
                WHERE tenant_id = @TenantId AND id = @Id;
                """,
                SqliteScheduleRow.Parameters(schedule), transaction, cancellationToken));
            return updated == 0 ? ScheduleWriteResult.NotFound : ScheduleWriteResult.Ok;
        }, cancellationToken);

    public Task<bool> DeleteAsync(string tenantId, string id, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) => await connection.ExecuteAsync(Sql.Command(
            "DELETE FROM schedules WHERE tenant_id = @tenantId AND id = @id;", new { tenantId, id }, transaction, cancellationToken)) > 0,
            cancellationToken);

    public Task<IReadOnlyList<ScheduleRecord>> ClaimDueAsync(DateTimeOffset now, TimeSpan claimFor, int limit, CancellationToken cancellationToken) =>
        database.WriteAsync<IReadOnlyList<ScheduleRecord>>(async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync<SqliteScheduleRow>(Sql.Command(
                $"""
                UPDATE schedules SET claimed_until = @until
                WHERE rowid IN (
                    SELECT rowid FROM schedules
                    WHERE paused = 0 AND (next_fire_at <= @now OR queued_fire_at IS NOT NULL)
                      AND (claimed_until IS NULL OR claimed_until <= @now)
                    ORDER BY next_fire_at LIMIT @limit)
                RETURNING {SqliteScheduleRow.Columns};
                """,
                new { now = StoredTime.ToMs(now), until = StoredTime.ToMs(now + claimFor), limit }, transaction, cancellationToken));
            return [.. rows.Select(r => r.ToRecord()).OrderBy(s => s.NextFireAt)];
        }, cancellationToken);

    public Task<bool> AdvanceAsync(ScheduleAdvance advance, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) => await connection.ExecuteAsync(Sql.Command(
            """
            UPDATE schedules
            SET next_fire_at = @NextFireAt,
                last_fire_at = COALESCE(@LastFireAt, last_fire_at),
                last_job_counted = CASE WHEN @LastJobId IS NULL THEN last_job_counted ELSE 0 END,
                last_job_id = COALESCE(@LastJobId, last_job_id),
                queued_fire_at = @QueuedFireAt,
                claimed_until = NULL
            WHERE tenant_id = @TenantId AND id = @ScheduleId AND next_fire_at IS @Expected;
            """,
            new
            {
                advance.TenantId,
                advance.ScheduleId,
                Expected = StoredTime.ToMs(advance.ExpectedNextFireAt),
                NextFireAt = StoredTime.ToMs(advance.NextFireAt),
                LastFireAt = StoredTime.ToMs(advance.LastFireAt),
                advance.LastJobId,
                QueuedFireAt = StoredTime.ToMs(advance.QueuedFireAt),
            },
            transaction, cancellationToken)) > 0, cancellationToken);

    public Task<IReadOnlyList<SettledScheduleRun>> ListSettledRunsAsync(int limit, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<SettledScheduleRun>>(async connection =>
        {
            var rows = await connection.QueryAsync<(string TenantId, string ScheduleId, string JobId, string State)>(Sql.Command(
                """
                SELECT s.tenant_id, s.id, j.id, j.state FROM schedules s
                JOIN jobs j ON j.tenant_id = s.tenant_id AND j.id = s.last_job_id
                WHERE s.last_job_counted = 0 AND j.state IN ('succeeded', 'failed', 'cancelled', 'timed_out')
                LIMIT @limit;
                """,
                new { limit }, cancellationToken));
            return [.. rows.Select(r => new SettledScheduleRun(r.TenantId, r.ScheduleId, r.JobId, JobStates.Parse(r.State)))];
        }, cancellationToken);

    public Task<ScheduleRecord?> RecordRunAsync(string tenantId, string scheduleId, string? jobId, bool failed, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<SqliteScheduleRow>(Sql.Command(
                $"""
                UPDATE schedules
                SET consecutive_failures = CASE WHEN @failed = 1 THEN consecutive_failures + 1 ELSE 0 END,
                    last_job_counted = CASE WHEN @jobId IS NULL THEN last_job_counted ELSE 1 END
                WHERE tenant_id = @tenantId AND id = @scheduleId
                  AND (@jobId IS NULL OR (last_job_id = @jobId AND last_job_counted = 0))
                RETURNING {SqliteScheduleRow.Columns};
                """,
                new { tenantId, scheduleId, jobId, failed = failed ? 1 : 0 }, transaction, cancellationToken));
            return row?.ToRecord();
        }, cancellationToken);

    public Task<IReadOnlyList<ScheduleRecord>> ListDueByAsync(string? tenantId, DateTimeOffset until, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<ScheduleRecord>>(async connection =>
        {
            var rows = await connection.QueryAsync<SqliteScheduleRow>(Sql.Command(
                $"{Select} WHERE paused = 0 AND next_fire_at <= @until AND (@tenantId IS NULL OR tenant_id = @tenantId) ORDER BY next_fire_at;",
                new { tenantId, until = StoredTime.ToMs(until) }, cancellationToken));
            return [.. rows.Select(r => r.ToRecord())];
        }, cancellationToken);
}
