using Baton.Storage.Model;

namespace Baton.Storage.Relational;

internal sealed class CalendarStore(IStoreDatabase database) : ICalendarStore
{
    public Task<CalendarWriteResult> SaveAsync(
        CalendarRecord calendar, bool replace, Func<ScheduleRecord, DateTimeOffset?>? nextFireOf, CancellationToken cancellationToken) =>
        database.WriteAsync(calendar.TenantId, async session =>
        {
            var row = CalendarRow.Of(calendar);
            var inserted = await session.ExecuteAsync(CalendarRow.Insert, row);
            if (inserted == 0)
            {
                if (!replace) return CalendarWriteResult.NameTaken;
                await session.ExecuteAsync(
                    """
                    UPDATE calendars SET working_days = @WorkingDays, holidays = @Holidays, time_zone = @TimeZone, updated_at = @UpdatedAt
                    WHERE tenant_id = @TenantId AND name = @Name;
                    """, row);
            }
            await RetimeSchedulesAsync(session, calendar, nextFireOf);
            return inserted > 0 ? CalendarWriteResult.Created : CalendarWriteResult.Replaced;
        }, cancellationToken);

    /// <summary>
    /// The schedules on this calendar whose next fire is still ahead move to the fire the new calendar gives, in the
    /// calendar's transaction; their rows stay locked until it commits (PostgreSQL), so a scheduler cannot advance one meanwhile.
    /// </summary>
    private static async Task RetimeSchedulesAsync(StoreSession session, CalendarRecord calendar, Func<ScheduleRecord, DateTimeOffset?>? nextFireOf)
    {
        if (nextFireOf is null) return;
        var schedules = await session.QueryAsync<ScheduleRecord>(
            $"SELECT {ScheduleRow.Select} FROM schedules WHERE tenant_id = @TenantId AND calendar_name = @Name AND NOT paused " +
            $"AND (next_fire_at IS NULL OR next_fire_at > @UpdatedAt) {session.Dialect.LockRows};",
            new { calendar.TenantId, calendar.Name, calendar.UpdatedAt });
        foreach (var schedule in schedules)
        {
            var next = nextFireOf(schedule);
            if (next == schedule.NextFireAt) continue;
            await session.ExecuteAsync(
                "UPDATE schedules SET next_fire_at = @next WHERE tenant_id = @TenantId AND id = @Id;", new { schedule.TenantId, schedule.Id, next });
        }
    }

    public Task<CalendarRecord?> GetAsync(string tenantId, string name, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => session.QuerySingleOrDefaultAsync<CalendarRecord>(
            $"SELECT {CalendarRow.Select} FROM calendars WHERE tenant_id = @tenantId AND name = @name;", new { tenantId, name }), cancellationToken);

    public Task<IReadOnlyList<CalendarRecord>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadListAsync(tenantId, session => session.ListAsync<CalendarRecord>(
            $"SELECT {CalendarRow.Select} FROM calendars WHERE tenant_id = @tenantId ORDER BY name;", new { tenantId }), cancellationToken);

    public Task<CalendarDeleteResult> DeleteAsync(string tenantId, string name, CancellationToken cancellationToken) =>
        database.WriteAsync(tenantId, async session =>
        {
            // Locks the calendar row so a schedule cannot start naming it between the check and the delete.
            var exists = await session.ScalarAsync<bool>(
                $"SELECT EXISTS (SELECT 1 FROM calendars WHERE tenant_id = @tenantId AND name = @name {session.Dialect.LockRows});", new { tenantId, name });
            if (!exists) return CalendarDeleteResult.NotFound;
            var inUse = await session.ScalarAsync<bool>(
                "SELECT EXISTS (SELECT 1 FROM schedules WHERE tenant_id = @tenantId AND calendar_name = @name);", new { tenantId, name });
            if (inUse) return CalendarDeleteResult.InUse;
            await session.ExecuteAsync("DELETE FROM calendars WHERE tenant_id = @tenantId AND name = @name;", new { tenantId, name });
            return CalendarDeleteResult.Deleted;
        }, cancellationToken);

    /// <summary>
    /// The column lists of <c>calendars</c>, in the order of <see cref="CalendarRecord"/>'s constructor: Dapper reads a row
    /// straight into it; <see cref="Of"/> is what a write binds.
    /// </summary>
    private static class CalendarRow
    {
        private static readonly string[] All = ["tenant_id", "name", "working_days", "holidays", "time_zone", "created_at", "updated_at"];

        public static readonly string Insert =
            $"INSERT INTO calendars ({Columns.Names(All)}) VALUES ({Columns.Values(All)}) ON CONFLICT (tenant_id, name) DO NOTHING;";
        public static readonly string Select = Columns.Select(All);

        public static object Of(CalendarRecord calendar) => new
        {
            calendar.TenantId, calendar.Name, WorkingDays = ScheduleText.WorkingDaysToText(calendar.WorkingDays),
            Holidays = new JsonText(ScheduleText.HolidaysToJson(calendar.Holidays)), calendar.TimeZone, calendar.CreatedAt, calendar.UpdatedAt,
        };
    }
}
