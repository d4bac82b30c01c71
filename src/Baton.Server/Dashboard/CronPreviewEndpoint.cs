using Baton.Core.Scheduling;
using Baton.Server.Api;
using Baton.Server.Security;
using Baton.Storage;

namespace Baton.Server.Dashboard;

public sealed record CronPreviewDto(string Cron, string TimeZone, IReadOnlyList<DateTimeOffset> Fires, string? Calendar = null, string? CalendarMode = null);

/// <summary>
/// <c>GET /schedules/preview?cron=…&amp;timeZone=…&amp;calendar=…&amp;calendarMode=…&amp;count=N</c>: the next fires of a
/// schedule before it exists, with the same parser and the same business-calendar rules the scheduler uses (the
/// tenant's named calendar; the mode defaults to business-days-only when a calendar is named, as on a schedule), so the
/// dashboard's cron helper shows the fires the schedule will really have as the operator types. A refused expression,
/// an unknown mode or a calendar the tenant does not have answers 400 with the reason.
/// </summary>
public static class CronPreviewEndpoint
{
    private const int MaxCount = 20;

    public static void MapCronPreview(this IEndpointRouteBuilder api) =>
        api.MapGet("/schedules/preview", async (
            string? cron, string? timeZone, string? calendar, string? calendarMode, int? count, HttpContext context, IBatonStore store, TimeProvider time,
            CancellationToken ct) =>
        {
            if (count is < 1 or > MaxCount) return Problems.Validation($"count must be between 1 and {MaxCount}.", "count");
            if (!CronSchedule.TryParse(cron, timeZone ?? "UTC", out var schedule, out var reason) || schedule is null)
            {
                return Problems.Validation(reason ?? "cron is not a valid cron expression.", "cron");
            }
            var calendarName = string.IsNullOrWhiteSpace(calendar) ? null : calendar.Trim();
            if (!CalendarModes.TryParse(calendarMode, out var mode))
            {
                return Problems.Validation($"calendarMode must be one of {CalendarModes.Allowed}.", "calendarMode");
            }
            // As on a schedule: a calendar without a mode keeps to business days; no calendar, no mode.
            if (calendarName is null) mode = CalendarMode.None;
            else if (string.IsNullOrWhiteSpace(calendarMode)) mode = CalendarMode.BusinessDaysOnly;

            BusinessCalendar? rules = null;
            if (calendarName is not null && mode != CalendarMode.None)
            {
                var stored = await store.Calendars.GetAsync(context.GetCaller().TenantId, calendarName, ct);
                if (stored is null) return Problems.Validation($"There is no calendar '{calendarName}' in your tenant.", "calendar");
                rules = stored.ToCalendar();
            }

            var timeline = new FireTimeline(schedule, rules, mode);
            var fires = timeline.NextFires(time.GetUtcNow(), count ?? 5);
            return Results.Ok(new CronPreviewDto(schedule.Expression, schedule.Zone.Id, fires, calendarName, calendarName is null ? null : mode.ToText()));
        }).RequireAuthorization(AuthPolicies.Viewer).Produces<CronPreviewDto>();
}
