using Baton.Storage.Model;
using Dapper;

namespace Baton.Storage.Postgres;

internal sealed class PostgresCalendarStore(PostgresDatabase database) : ICalendarStore
{
    private const string Select =
        "SELECT tenant_id AS TenantId, name AS Name, working_days AS WorkingDays, holidays::text AS Holidays, time_zone AS TimeZone, " +
        "created_at AS CreatedAt, updated_at AS UpdatedAt FROM calendars";

    public Task<CalendarWriteResult> SaveAsync(
        CalendarRecord calendar, bool replace, Func<ScheduleRecord, DateTimeOffset?>? nextFireOf, CancellationToken cancellationToken) =>
        database.InTenantAsync(calendar.TenantId, async (connection, transaction) =>
        {
            var parameters = new
            {
                calendar.TenantId,
                calendar.Name,
                WorkingDays = ScheduleText.WorkingDaysToText(calendar.WorkingDays),
                Holidays = ScheduleText.HolidaysToJson(calendar.Holidays),
                calendar.TimeZone,
                CreatedAt = PgTime.ToDb(calendar.CreatedAt),
                UpdatedAt = PgTime.ToDb(calendar.UpdatedAt),
            };
            var inserted = await connection.ExecuteAsync(PgSql.Command(
                """
                INSERT INTO calendars (tenant_id, name, working_days, holidays, time_zone, created_at, updated_at)
                VALUES (@TenantId, @Name, @WorkingDays, @Holidays::jsonb, @TimeZone, @CreatedAt, @UpdatedAt)
                ON CONFLICT (tenant_id, name) DO NOTHING;
                """, parameters, transaction, cancellationToken));
            if (inserted > 0)
            {
                await RetimeSchedulesAsync(connection, transaction, calendar, nextFireOf, cancellationToken);
                return CalendarWriteResult.Created;
            }
            if (!replace) return CalendarWriteResult.NameTaken;
            await connection.ExecuteAsync(PgSql.Command(
                """
                UPDATE calendars SET working_days = @WorkingDays, holidays = @Holidays::jsonb, time_zone = @TimeZone, updated_at = @UpdatedAt
                WHERE tenant_id = @TenantId AND name = @Name;
                """, parameters, transaction, cancellationToken));
            await RetimeSchedulesAsync(connection, transaction, calendar, nextFireOf, cancellationToken);
            return CalendarWriteResult.Replaced;
        }, cancellationToken);

    /// <summary>The schedules on this calendar whose next fire is still ahead move to the fire the new calendar gives.</summary>
    private static async Task RetimeSchedulesAsync(
        Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction transaction, CalendarRecord calendar, Func<ScheduleRecord, DateTimeOffset?>? nextFireOf, CancellationToken cancellationToken)
    {
        if (nextFireOf is null) return;
        var rows = await connection.QueryAsync<PostgresScheduleRow>(PgSql.Command(
            $"SELECT {PostgresScheduleRow.Columns} FROM schedules WHERE tenant_id = @TenantId AND calendar_name = @Name AND NOT paused " +
            "AND (next_fire_at IS NULL OR next_fire_at > @Now) FOR UPDATE;",
            new { calendar.TenantId, calendar.Name, Now = PgTime.ToDb(calendar.UpdatedAt) }, transaction, cancellationToken));
        foreach (var schedule in rows.Select(r => r.ToRecord()))
        {
            var next = nextFireOf(schedule);
            if (next == schedule.NextFireAt) continue;
            await connection.ExecuteAsync(PgSql.Command(
                "UPDATE schedules SET next_fire_at = @Next WHERE tenant_id = @TenantId AND id = @Id;",
                new { schedule.TenantId, schedule.Id, Next = PgTime.ToDb(next) }, transaction, cancellationToken));
        }
    }

    public Task<CalendarRecord?> GetAsync(string tenantId, string name, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async (connection, transaction) =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<CalendarRow>(PgSql.Command(
                $"{Select} WHERE tenant_id = @tenantId AND name = @name;", new { tenantId, name }, transaction, cancellationToken));
            return row?.ToRecord();
        }, cancellationToken);

    public Task<IReadOnlyList<CalendarRecord>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadInTenantAsync<IReadOnlyList<CalendarRecord>>(tenantId, async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync<CalendarRow>(PgSql.Command(
                $"{Select} WHERE tenant_id = @tenantId ORDER BY name;", new { tenantId }, transaction, cancellationToken));
            return [.. rows.Select(r => r.ToRecord())];
        }, cancellationToken);

    public Task<CalendarDeleteResult> DeleteAsync(string tenantId, string name, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async (connection, transaction) =>
        {
            // Locks the calendar row so a schedule cannot start naming it between the check and the delete.
            var exists = await connection.ExecuteScalarAsync<bool>(PgSql.Command(
                "SELECT EXISTS (SELECT 1 FROM calendars WHERE tenant_id = @tenantId AND name = @name FOR UPDATE);",
                new { tenantId, name }, transaction, cancellationToken));
            if (!exists) return CalendarDeleteResult.NotFound;
            var inUse = await connection.ExecuteScalarAsync<bool>(PgSql.Command(
                "SELECT EXISTS (SELECT 1 FROM schedules WHERE tenant_id = @tenantId AND calendar_name = @name);",
                new { tenantId, name }, transaction, cancellationToken));
            if (inUse) return CalendarDeleteResult.InUse;
            await connection.ExecuteAsync(PgSql.Command(
                "DELETE FROM calendars WHERE tenant_id = @tenantId AND name = @name;", new { tenantId, name }, transaction, cancellationToken));
            return CalendarDeleteResult.Deleted;
        }, cancellationToken);

    private sealed class CalendarRow
    {
        public string TenantId { get; set; } = "";
        public string Name { get; set; } = "";
        public string WorkingDays { get; set; } = "";
        public string Holidays { get; set; } = "[]";
        public string? TimeZone { get; set; }
        public DateTime CreatedAt { get; set; }
        public DateTime UpdatedAt { get; set; }

        public CalendarRecord ToRecord() => new(
            TenantId, Name, ScheduleText.WorkingDaysFromText(WorkingDays), ScheduleText.HolidaysFromJson(Holidays), TimeZone,
            PgTime.FromDb(CreatedAt), PgTime.FromDb(UpdatedAt));
    }
}
