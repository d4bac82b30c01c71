using System.Collections.Concurrent;
using Baton.Core.Api;
using Baton.Core.Jobs;
using Baton.Server.Api;
using Baton.Server.Tenancy;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Dashboard;

public sealed record ThroughputPoint(DateTimeOffset At, int Succeeded, int Failed);

public sealed record OverviewDto(
    DateTimeOffset At,
    int AgentsOnline,
    int AgentsBusy,
    int AgentsOffline,
    int Slots,
    int SlotsInUse,
    int JobsPending,
    int JobsRunning,
    TenantDto? Tenant,
    IReadOnlyList<JobDto> RecentFailures,
    IReadOnlyList<ThroughputPoint> LastHour,
    IReadOnlyList<ThroughputPoint> LastDay,
    bool ThroughputSampled);

/// <summary>
/// What the dashboard's overview shows for one tenant: the fleet and queue figures read fresh, and the throughput
/// series (jobs ended per minute over the last hour, per hour over the last day) computed from the jobs submitted in
/// the last day, kept for a few seconds per tenant so many open dashboards cost one scan.
/// </summary>
public sealed class OverviewSnapshots(IBatonStore store, ApiUsageMeter usage, TenantStorage storage, TimeProvider time)
{
    /// <summary>The scan stops after this many jobs; the series then say they are sampled.</summary>
    private const int MaxScannedJobs = 20_000;
    private static readonly TimeSpan SeriesLifetime = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, (DateTimeOffset At, Series Value)> _series = new();

    private sealed record Series(IReadOnlyList<ThroughputPoint> Hour, IReadOnlyList<ThroughputPoint> Day, bool Sampled);

    public async Task<OverviewDto> ReadAsync(string tenantId, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var agents = await store.Agents.ListAsync(tenantId, ct);
        var running = await store.Agents.CountActiveJobsByAgentAsync(tenantId, ct);
        var views = agents.Select(a => a.ToDto(running.GetValueOrDefault(a.Id))).ToList();
        var online = views.Where(a => a.State != "offline").ToList();
        var tenant = await store.Tenants.GetAsync(tenantId, ct);
        var tenantDto = tenant?.ToDto(await TenantEndpoints.GetUsageAsync(store, usage, storage, tenantId, ct));
        var failures = await store.Jobs.ListAsync(tenantId, new JobQuery(State: JobState.Failed, Limit: 8), ct);
        var series = await SeriesAsync(tenantId, now, ct);
        return new OverviewDto(
            now,
            online.Count,
            online.Count(a => a.RunningJobs > 0),
            views.Count - online.Count,
            online.Sum(a => a.Slots),
            online.Sum(a => a.RunningJobs),
            await store.Jobs.CountPendingAsync(tenantId, ct),
            await store.Jobs.CountActiveAsync(tenantId, ct),
            tenantDto,
            [.. failures.Items.Select(j => j.ToDto())],
            series.Hour,
            series.Day,
            series.Sampled);
    }

    private async Task<Series> SeriesAsync(string tenantId, DateTimeOffset now, CancellationToken ct)
    {
        if (_series.TryGetValue(tenantId, out var cached) && now - cached.At < SeriesLifetime) return cached.Value;
        var hourStart = Floor(now, TimeSpan.FromMinutes(1)) - TimeSpan.FromMinutes(59);
        var dayStart = Floor(now, TimeSpan.FromHours(1)) - TimeSpan.FromHours(23);
        var hour = new (int Ok, int Failed)[60];
        var day = new (int Ok, int Failed)[24];
        var scanned = 0;
        string? cursor = null;
        do
        {
            var page = await store.Jobs.ListAsync(tenantId, new JobQuery(Since: dayStart, Cursor: cursor, Limit: 1000), ct);
            foreach (var job in page.Items)
            {
                if (job.FinishedAt is not { } finished || !job.State.IsTerminal() || job.State == JobState.Cancelled) continue;
                var failed = job.State != JobState.Succeeded;
                Count(day, (int)((finished - dayStart) / TimeSpan.FromHours(1)), failed);
                Count(hour, (int)((finished - hourStart) / TimeSpan.FromMinutes(1)), failed);
            }
            scanned += page.Items.Count;
            cursor = page.NextCursor;
        }
        while (cursor is not null && scanned < MaxScannedJobs);

        var value = new Series(
            [.. hour.Select((c, i) => new ThroughputPoint(hourStart + TimeSpan.FromMinutes(i), c.Ok, c.Failed))],
            [.. day.Select((c, i) => new ThroughputPoint(dayStart + TimeSpan.FromHours(i), c.Ok, c.Failed))],
            cursor is not null);
        _series[tenantId] = (now, value);
        return value;
    }

    private static void Count((int Ok, int Failed)[] buckets, int index, bool failed)
    {
        if (index < 0 || index >= buckets.Length) return;
        buckets[index] = failed ? (buckets[index].Ok, buckets[index].Failed + 1) : (buckets[index].Ok + 1, buckets[index].Failed);
    }

    private static DateTimeOffset Floor(DateTimeOffset at, TimeSpan unit) => new(at.UtcTicks - at.UtcTicks % unit.Ticks, TimeSpan.Zero);
}
