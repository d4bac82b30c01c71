using Baton.Storage.Model;

namespace Baton.Storage;

/// <summary>Tenant-owned business calendars, named; schedules refer to them by name.</summary>
public interface ICalendarStore
{
    /// <summary>
    /// Creates the calendar, or with <paramref name="replace"/> replaces one of that name. In the same transaction
    /// every unpaused schedule naming it whose next fire is not yet due (after <see cref="CalendarRecord.UpdatedAt"/>)
    /// gets <paramref name="nextFireOf"/>'s answer as its next fire, so no replica fires by the old calendar.
    /// </summary>
    Task<CalendarWriteResult> SaveAsync(
        CalendarRecord calendar, bool replace, Func<ScheduleRecord, DateTimeOffset?>? nextFireOf, CancellationToken cancellationToken);
    Task<CalendarRecord?> GetAsync(string tenantId, string name, CancellationToken cancellationToken);
    /// <summary>By name.</summary>
    Task<IReadOnlyList<CalendarRecord>> ListAsync(string tenantId, CancellationToken cancellationToken);
    /// <summary>Refused while a schedule names the calendar.</summary>
    Task<CalendarDeleteResult> DeleteAsync(string tenantId, string name, CancellationToken cancellationToken);
}
