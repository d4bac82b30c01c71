using Baton.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Baton.Server.Metrics;

/// <summary>
/// Reads the fleet figures ahead of their expiry while they are in demand (<see cref="FleetSnapshotCache.RefreshAhead"/>),
/// so a scrape of a big fleet answers from memory instead of waiting for the store read (tens of milliseconds at
/// 10,000 agents). The cost is one fleet read per <see cref="MetricsOptions.FleetMaxAge"/> on a replica someone reads,
/// none on one nobody reads.
/// </summary>
internal sealed class FleetRefresher(FleetSnapshotCache fleet, IOptions<ServerOptions> options, TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan ShortestCheck = TimeSpan.FromMilliseconds(20);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Metrics.FleetRefreshAhead) return;
        // Checks are in memory; only a due refresh reads the store. A tenth of the age keeps the figures under it.
        var every = TimeSpan.FromTicks(Math.Max(options.Value.Metrics.FleetMaxAge.Ticks / 10, ShortestCheck.Ticks));
        using var timer = new PeriodicTimer(every, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) fleet.RefreshAhead();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
