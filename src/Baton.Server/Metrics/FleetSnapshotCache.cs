using System.Diagnostics;
using Baton.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Baton.Server.Metrics;

/// <summary>
/// The fleet figures every replica reports alike: read from the store in the system scope
/// (<see cref="IStatisticsStore.ReadFleetAsync"/>) and kept for <see cref="MetricsOptions.FleetMaxAge"/>. Concurrent
/// readers of a stale snapshot share one store read. This is the seam the autoscaler reads queue depth, agents and
/// schedules through.
/// </summary>
public sealed class FleetSnapshotCache(BackendStore backend, IOptions<ServerOptions> options, TimeProvider time, ILogger<FleetSnapshotCache> logger)
{
    private readonly Lock _gate = new();
    private FleetSnapshot? _latest;
    private long _latestAtTimestamp;
    private Task<FleetSnapshot>? _reading;

    /// <summary>The newest snapshot read so far, however old; null before the first read.</summary>
    public FleetSnapshot? Latest => Volatile.Read(ref _latest);

    /// <summary>A snapshot at most <see cref="MetricsOptions.FleetMaxAge"/> old, reading the store when the cached one is older.</summary>
    public Task<FleetSnapshot> GetAsync(CancellationToken cancellationToken)
    {
        Task<FleetSnapshot> reading;
        lock (_gate)
        {
            if (_latest is { } latest && time.GetElapsedTime(_latestAtTimestamp) <= options.Value.Metrics.FleetMaxAge) return Task.FromResult(latest);
            reading = _reading ??= ReadAsync();
        }
        return reading.WaitAsync(cancellationToken);
    }

    /// <summary>Starts a store read in the background when the cached snapshot is stale; never waits (for hot paths).</summary>
    public void RefreshInBackgroundIfStale()
    {
        lock (_gate)
        {
            if (_reading is not null) return;
            if (_latest is not null && time.GetElapsedTime(_latestAtTimestamp) <= options.Value.Metrics.FleetMaxAge) return;
            _reading = ReadAsync();
            // Nobody awaits a background read: its failure is logged in ReadAsync, and observed here.
            _reading.ContinueWith(static read => _ = read.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    private async Task<FleetSnapshot> ReadAsync()
    {
        // Off the caller's stack and token: one caller giving up must not fail the read the others wait for.
        await Task.Yield();
        try
        {
            var started = Stopwatch.GetTimestamp();
            var statistics = await backend.Store.Statistics.ReadFleetAsync(CancellationToken.None);
            var snapshot = new FleetSnapshot(statistics, Stopwatch.GetElapsedTime(started), options.Value.Metrics.TenantLabelLimit);
            lock (_gate)
            {
                _latest = snapshot;
                _latestAtTimestamp = time.GetTimestamp();
            }
            return snapshot;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Reading the fleet figures for metrics failed");
            throw;
        }
        finally
        {
            lock (_gate) _reading = null;
        }
    }
}
