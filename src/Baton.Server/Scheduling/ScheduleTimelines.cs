using Baton.Core.Scheduling;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Scheduling;

/// <summary>The fire timeline of a stored schedule: its cron and zone with its business calendar (read from the store) applied.</summary>
public sealed class ScheduleTimelines(IBatonStore store)
{
    public async Task<FireTimeline> ForAsync(ScheduleRecord schedule, CancellationToken cancellationToken)
    {
        if (schedule.CalendarName is null || schedule.CalendarMode == CalendarMode.None) return For(schedule, null);
        return For(schedule, await store.Calendars.GetAsync(schedule.TenantId, schedule.CalendarName, cancellationToken));
    }

    /// <summary>The timeline with <paramref name="calendar"/> as the schedule's calendar (one being saved, not yet readable).</summary>
    public static FireTimeline For(ScheduleRecord schedule, CalendarRecord? calendar)
    {
        var cron = CronSchedule.Parse(schedule.Cron, schedule.TimeZone);
        if (schedule.CalendarName is null || schedule.CalendarMode == CalendarMode.None) return new FireTimeline(cron);
        return new FireTimeline(cron, calendar?.ToCalendar(), calendar is null ? CalendarMode.None : schedule.CalendarMode);
    }
}
