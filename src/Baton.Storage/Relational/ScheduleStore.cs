using Baton.Core.Jobs;
using Baton.Storage.Model;

namespace Baton.Storage.Relational;

internal sealed class ScheduleStore(IStoreDatabase database) : IScheduleStore
{
    private static readonly string SelectAll = $"SELECT {ScheduleRow.Select} FROM schedules";

    public Task<ScheduleWriteResult> CreateAsync(ScheduleRecord schedule, int maxSchedules, CancellationToken cancellationToken) =>
        database.WriteAsync(schedule.TenantId, async session =>
        {
            switch (await session.NameQuotaAsync("schedules", schedule.TenantId, schedule.Name, maxSchedules))
            {
                case NameQuota.Taken: return ScheduleWriteResult.NameTaken;
                case NameQuota.Full: return ScheduleWriteResult.QuotaExceeded;
            }
            await session.ExecuteAsync(ScheduleRow.Insert, ScheduleRow.Of(schedule));
            return ScheduleWriteResult.Ok;
        }, cancellationToken);

    public Task<ScheduleRecord?> GetAsync(string tenantId, string idOrName, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => session.QueryFirstOrDefaultAsync<ScheduleRecord>(
            $"{SelectAll} WHERE tenant_id = @tenantId AND (id = @idOrName OR name = @idOrName) ORDER BY id = @idOrName DESC LIMIT 1;",
            new { tenantId, idOrName }), cancellationToken);

    public Task<IReadOnlyList<ScheduleRecord>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadListAsync(tenantId, session => session.ListAsync<ScheduleRecord>(
            $"{SelectAll} WHERE tenant_id = @tenantId ORDER BY name;", new { tenantId }), cancellationToken);

    public Task<ScheduleWriteResult> UpdateAsync(ScheduleRecord schedule, CancellationToken cancellationToken) =>
        database.WriteAsync(schedule.TenantId, async session =>
        {
            var taken = await session.ScalarAsync<bool>(
                "SELECT EXISTS (SELECT 1 FROM schedules WHERE tenant_id = @TenantId AND name = @Name AND id <> @Id);",
                new { schedule.TenantId, schedule.Name, schedule.Id });
            if (taken) return ScheduleWriteResult.NameTaken;
            var updated = await session.ExecuteAsync(
                $"UPDATE schedules SET {ScheduleRow.UpdateSet} WHERE tenant_id = @TenantId AND id = @Id;", ScheduleRow.Of(schedule));
            return updated == 0 ? ScheduleWriteResult.NotFound : ScheduleWriteResult.Ok;
        }, cancellationToken);

    public Task<bool> DeleteAsync(string tenantId, string id, CancellationToken cancellationToken) =>
        database.WriteAsync(tenantId, async session => await session.ExecuteAsync(
            "DELETE FROM schedules WHERE tenant_id = @tenantId AND id = @id;", new { tenantId, id }) > 0, cancellationToken);

    // System scope: the scheduler serves every tenant; on PostgreSQL SKIP LOCKED lets replicas split the due schedules.
    public Task<IReadOnlyList<ScheduleRecord>> ClaimDueAsync(DateTimeOffset now, TimeSpan claimFor, int limit, CancellationToken cancellationToken) =>
        database.SystemWriteAsync<IReadOnlyList<ScheduleRecord>>(async session => (await session.QueryAsync<ScheduleRecord>(
            $"""
            UPDATE schedules SET claimed_until = @until
            WHERE (tenant_id, id) IN (
                SELECT tenant_id, id FROM schedules
                WHERE {session.Dialect.IsFalse("paused")} AND (next_fire_at <= @now OR queued_fire_at IS NOT NULL)
                  AND (claimed_until IS NULL OR claimed_until <= @now)
                ORDER BY next_fire_at LIMIT @limit
                {session.Dialect.SkipLocked("schedules")})
            RETURNING {ScheduleRow.Select};
            """,
            new { now, until = now + claimFor, limit })).OrderBy(s => s.NextFireAt).ToList(), cancellationToken);

    public Task<bool> AdvanceAsync(ScheduleAdvance advance, CancellationToken cancellationToken) =>
        database.WriteAsync(advance.TenantId, async session => await session.ExecuteAsync(
            """
            UPDATE schedules
            SET next_fire_at = @NextFireAt,
                last_fire_at = COALESCE(@LastFireAt, last_fire_at),
                last_job_counted = CASE WHEN CAST(@LastJobId AS text) IS NULL THEN last_job_counted ELSE false END,
                last_job_id = COALESCE(@LastJobId, last_job_id),
                queued_fire_at = @QueuedFireAt,
                claimed_until = NULL
            WHERE tenant_id = @TenantId AND id = @ScheduleId AND next_fire_at IS NOT DISTINCT FROM @ExpectedNextFireAt;
            """,
            new
            {
                advance.TenantId,
                advance.ScheduleId,
                advance.ExpectedNextFireAt,
                advance.NextFireAt,
                advance.LastFireAt,
                advance.LastJobId,
                advance.QueuedFireAt,
            }) > 0, cancellationToken);

    // System scope: outcomes are counted for every tenant's schedules in one sweep.
    public Task<IReadOnlyList<SettledScheduleRun>> ListSettledRunsAsync(int limit, CancellationToken cancellationToken) =>
        database.SystemReadAsync<IReadOnlyList<SettledScheduleRun>>(async session => (await session.QueryAsync<(string TenantId, string ScheduleId, string JobId, string State)>(
            """
            SELECT s.tenant_id, s.id, j.id, j.state FROM schedules s
            JOIN jobs j ON j.tenant_id = s.tenant_id AND j.id = s.last_job_id
            WHERE NOT s.last_job_counted AND j.state IN ('succeeded', 'failed', 'cancelled', 'timed_out')
            LIMIT @limit;
            """,
            new { limit })).Select(r => new SettledScheduleRun(r.TenantId, r.ScheduleId, r.JobId, JobStates.Parse(r.State))).ToList(), cancellationToken);

    public Task<ScheduleRecord?> RecordRunAsync(string tenantId, string scheduleId, string? jobId, bool failed, CancellationToken cancellationToken) =>
        database.WriteAsync(tenantId, session => session.QuerySingleOrDefaultAsync<ScheduleRecord>(
            $"""
            UPDATE schedules
            SET consecutive_failures = CASE WHEN @failed THEN consecutive_failures + 1 ELSE 0 END,
                last_job_counted = CASE WHEN CAST(@jobId AS text) IS NULL THEN last_job_counted ELSE true END
            WHERE tenant_id = @tenantId AND id = @scheduleId
              AND (CAST(@jobId AS text) IS NULL OR (last_job_id = @jobId AND NOT last_job_counted))
            RETURNING {ScheduleRow.Select};
            """,
            new { tenantId, scheduleId, jobId, failed }), cancellationToken);

    public Task<IReadOnlyList<ScheduleRecord>> ListDueByAsync(string? tenantId, DateTimeOffset until, CancellationToken cancellationToken)
    {
        async Task<IReadOnlyList<ScheduleRecord>> Query(StoreSession session) => (await session.QueryAsync<ScheduleRecord>(
            $"{SelectAll} WHERE {session.Dialect.IsFalse("paused")} AND next_fire_at <= @until AND (CAST(@tenantId AS text) IS NULL OR tenant_id = @tenantId) " +
            "ORDER BY next_fire_at;",
            new { tenantId, until })).ToList();
        // Without a tenant this is the system-wide upcoming-fires view (system admins, the autoscaler).
        return tenantId is null ? database.SystemReadAsync(Query, cancellationToken) : database.ReadListAsync(tenantId, Query, cancellationToken);
    }
}
