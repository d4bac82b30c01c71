using Baton.Core.Api;
using Baton.Server.Packages;
using Baton.Storage;

namespace Baton.Server.Scheduling;

/// <summary>
/// The fires due in a window, with the package version and queue each will use: for a tenant's
/// operators, and across tenants for system admins and the autoscaler (to scale ahead of load).
/// </summary>
public sealed class UpcomingFires(IBatonStore store, ScheduleTimelines timelines, TimeProvider time)
{
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(7);
    public const int MaxFires = 10_000;

    /// <param name="tenantId">One tenant, or null for every tenant.</param>
    public async Task<UpcomingFiresDto> ListAsync(string? tenantId, TimeSpan within, CancellationToken ct)
    {
        var from = time.GetUtcNow();
        var until = from + within;
        var fires = new List<UpcomingFireDto>();
        var latest = new Dictionary<(string, string), string>();
        foreach (var schedule in await store.Schedules.ListDueByAsync(tenantId, until, ct))
        {
            if (fires.Count >= MaxFires) break;
            var version = schedule.PackageVersion;
            if (version is null)
            {
                var key = (schedule.TenantId, schedule.PackageName);
                if (!latest.TryGetValue(key, out var resolved))
                {
                    resolved = PackageVersions.Latest(await store.Packages.ListVersionsAsync(schedule.TenantId, schedule.PackageName, ct))?.Version ?? "latest";
                    latest[key] = resolved;
                }
                version = resolved;
            }
            var timeline = await timelines.ForAsync(schedule, ct);
            var first = schedule.NextFireAt!.Value;
            var times = new List<DateTimeOffset> { first };
            times.AddRange(timeline.FiresBetween(first, until, MaxFires - fires.Count - 1));
            fires.AddRange(times.Select(at => new UpcomingFireDto(
                schedule.TenantId, schedule.Id, schedule.Name, at, schedule.PackageName, version, schedule.Queue, schedule.Priority)));
        }
        return new UpcomingFiresDto(from, until, [.. fires.OrderBy(f => f.FireAt).ThenBy(f => f.ScheduleId, StringComparer.Ordinal)]);
    }
}
