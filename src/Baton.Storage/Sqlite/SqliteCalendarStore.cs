using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Sqlite;

internal sealed class SqliteCalendarStore(SqliteDatabase database) : ICalendarStore
{
    private const string Select =
        "SELECT tenant_id AS TenantId, name AS Name, working_days AS WorkingDays, holidays AS Holidays, time_zone AS TimeZone, " +
        "created_at AS CreatedAt, updated_at AS UpdatedAt FROM calendars";

    public Task<CalendarWriteResult> SaveAsync(
        CalendarRecord calendar, bool replace, Func<ScheduleRecord, DateTimeOffset?>? nextFireOf, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var parameters = new
            {
                calendar.TenantId,
                calendar.Name,
                WorkingDays = ScheduleText.WorkingDaysToText(calendar.WorkingDays),
                Holidays = ScheduleText.HolidaysToJson(calendar.Holidays),
                calendar.TimeZone,
                CreatedAt = StoredTime.ToMs(calendar.CreatedAt),
                UpdatedAt = StoredTime.ToMs(calendar.UpdatedAt),
            };
            var inserted = await connection.ExecuteAsync(Sql.Command(
                """
                INSERT INTO calendars (tenant_id, name, working_days, holidays, time_zone, created_at, updated_at)
                VALUES (@TenantId, @Name, @WorkingDays, @Holidays, @TimeZone, @CreatedAt, @UpdatedAt)
                ON CONFLICT (tenant_id, name) DO NOTHING;
                """, parameters, transaction, cancellationToken));
            if (inserted > 0)
            {
                await RetimeSchedulesAsync(connection, transaction, calendar, nextFireOf, cancellationToken);
                return CalendarWriteResult.Created;
            }
            if (!replace) return CalendarWriteResult.NameTaken;
            await connection.ExecuteAsync(Sql.Command(
                """
                UPDATE calendars SET working_days = @WorkingDays, holidays = @Holidays, time_zone = @TimeZone, updated_at = @UpdatedAt
                WHERE tenant_id = @TenantId AND name = @Name;
                """, parameters, transaction, cancellationToken));
            await RetimeSchedulesAsync(connection, transaction, calendar, nextFireOf, cancellationToken);
            return CalendarWriteResult.Replaced;
        }, cancellationToken);

    /// <summary>The schedules on this calendar whose next fire is still ahead move to the fire the new calendar gives.</summary>
    private static async Task RetimeSchedulesAsync(
        Microsoft.Data.Sqlite.SqliteConnection connection, Microsoft.Data.Sqlite.SqliteTransaction transaction, CalendarRecord calendar, Func<ScheduleRecord, DateTimeOffset?>? nextFireOf, CancellationToken cancellationToken)
    {
        if (nextFireOf is null) return;
        var rows = await connection.QueryAsync<SqliteScheduleRow>(Sql.Command(
            $"SELECT {SqliteScheduleRow.Columns} FROM schedules WHERE tenant_id = @TenantId AND calendar_name = @Name AND paused = 0 " +
            "AND (next_fire_at IS NULL OR next_fire_at > @Now);",
            new { calendar.TenantId, calendar.Name, Now = StoredTime.ToMs(calendar.UpdatedAt) }, transaction, cancellationToken));
        foreach (var schedule in rows.Select(r => r.ToRecord()))
        {
            var next = nextFireOf(schedule);
            if (next == schedule.NextFireAt) continue;
            await connection.ExecuteAsync(Sql.Command(
                "UPDATE schedules SET next_fire_at = @Next WHERE tenant_id = @TenantId AND id = @Id;",
                new { schedule.TenantId, schedule.Id, Next = StoredTime.ToMs(next) }, transaction, cancellationToken));
        }
    }

    public Task<CalendarRecord?> GetAsync(string tenantId, string name, CancellationToken cancellationToken) =>
        database.ReadAsync(async connection =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<CalendarRow>(Sql.Command(
                $"{Select} WHERE tenant_id = @tenantId AND name = @name;", new { tenantId, name }, cancellationToken));
            return row?.ToRecord();
        }, cancellationToken);

    public Task<IReadOnlyList<CalendarRecord>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<CalendarRecord>>(async connection =>
        {
            var rows = await connection.QueryAsync<CalendarRow>(Sql.Command(
                $"{Select} WHERE tenant_id = @tenantId ORDER BY name;", new { tenantId }, cancellationToken));
            return [.. rows.Select(r => r.ToRecord())];
        }, cancellationToken);

    public Task<CalendarDeleteResult> DeleteAsync(string tenantId, string name, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var users = await connection.ExecuteScalarAsync<long>(Sql.Command(
                "SELECT COUNT(*) FROM schedules WHERE tenant_id = @tenantId AND calendar_name = @name;", new { tenantId, name }, transaction, cancellationToken));
            if (users > 0) return CalendarDeleteResult.InUse;
            var deleted = await connection.ExecuteAsync(Sql.Command(
                "DELETE FROM calendars WHERE tenant_id = @tenantId AND name = @name;", new { tenantId, name }, transaction, cancellationToken));
            return deleted > 0 ? CalendarDeleteResult.Deleted : CalendarDeleteResult.NotFound;
        }, cancellationToken);

    private sealed class CalendarRow
    {
        public string TenantId { get; set; } = "";
        public string Name { get; set; } = "";
        public string WorkingDays { get; set; } = "";
        public string Holidays { get; set; } = "[]";
        public string? TimeZone { get; set; }
        public long CreatedAt { get; set; }
        public long UpdatedAt { get; set; }

        public CalendarRecord ToRecord() => new(
            TenantId, Name, ScheduleText.WorkingDaysFromText(WorkingDays), ScheduleText.HolidaysFromJson(Holidays), TimeZone,
            StoredTime.FromMs(CreatedAt), StoredTime.FromMs(UpdatedAt));
    }
}
