using Baton.Core.Scheduling;
using Baton.Server.Api;
using Baton.Server.Security;

namespace Baton.Server.Dashboard;

public sealed record CronPreviewDto(string Cron, string TimeZone, IReadOnlyList<DateTimeOffset> Fires);

/// <summary>
/// <c>GET /schedules/preview?cron=…&amp;timeZone=…&amp;count=N</c>: the next fires of a cron expression before any
/// schedule exists, with the same parser the scheduler uses, so the dashboard's cron helper shows them as the
/// operator types (a refused expression answers 400 with the parser's reason). Calendars are not applied here;
/// a saved schedule's <c>/next</c> applies them.
/// </summary>
public static class CronPreviewEndpoint
{
    private const int MaxCount = 20;

    public static void MapCronPreview(this IEndpointRouteBuilder api) =>
        api.MapGet("/schedules/preview", (string? cron, string? timeZone, int? count, TimeProvider time) =>
        {
            if (count is < 1 or > MaxCount) return Problems.Validation($"count must be between 1 and {MaxCount}.", "count");
            if (!CronSchedule.TryParse(cron, timeZone ?? "UTC", out var schedule, out var reason) || schedule is null)
            {
                return Problems.Validation(reason ?? "cron is not a valid cron expression.", "cron");
            }
            var fires = new List<DateTimeOffset>();
            var at = time.GetUtcNow();
            while (fires.Count < (count ?? 5) && schedule.NextAfter(at) is { } next)
            {
                fires.Add(next);
                at = next;
            }
            return Results.Ok(new CronPreviewDto(schedule.Expression, schedule.Zone.Id, fires));
        }).RequireAuthorization(AuthPolicies.Viewer);
}
