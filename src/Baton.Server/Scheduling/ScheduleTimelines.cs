using Baton.Core.Scheduling;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Scheduling;

/// <summary>The fire timeline of a stored schedule: its cron and zone with its business calendar (read from the store) applied.</summary>
public sealed class ScheduleTimelines(IBatonStore store)
{
    public async Task<FireTimeline> ForAsync(ScheduleRecord schedule, CancellationToken cancellationToken)
    {
        var cron = CronSchedule.Parse(schedule.Cron, schedule.TimeZone);
        if (schedule.CalendarName is null || schedule.CalendarMode == CalendarMode.None) return new FireTimeline(cron);
        var calendar = await store.Calendars.GetAsync(schedule.TenantId, schedule.CalendarName, cancellationToken);
        return new FireTimeline(cron, calendar?.ToCalendar(), calendar is null ? CalendarMode.None : schedule.CalendarMode);
    }
}
