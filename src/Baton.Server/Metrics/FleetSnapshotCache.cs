using System.Diagnostics;
using Baton.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Baton.Server.Metrics;

/// <summary>
/// The fleet figures every replica reports alike: read from the store in the system scope
/// (<see cref="IStatisticsStore.ReadFleetAsync"/>) and kept for <see cref="MetricsOptions.FleetMaxAge"/>. Concurrent
/// readers of a stale snapshot share one store read. This is the seam the autoscaler reads queue depth, agents and
/// schedules through. While someone reads the figures (a scrape, the autoscaler, <c>baton status</c>), <see cref="FleetRefresher"/>
/// reads them again shortly before they expire, so readers find fresh figures instead of waiting for the store: a
/// replica nobody asks stops reading after <see cref="DemandWindow"/>.
/// </summary>
public sealed class FleetSnapshotCache(BackendStore backend, IOptions<ServerOptions> options, TimeProvider time, ILogger<FleetSnapshotCache> logger)
{
    private readonly Lock _gate = new();
    private FleetSnapshot? _latest;
    private long _latestAtTimestamp;
    private Task<FleetSnapshot>? _reading;
    private long _lastDemandTimestamp;

    /// <summary>How long after the last reader the figures are still refreshed ahead (longer than Prometheus's usual scrape intervals).</summary>
    public static readonly TimeSpan DemandWindow = TimeSpan.FromMinutes(2);

    /// <summary>The share of <see cref="MetricsOptions.FleetMaxAge"/> after which a refresh-ahead reads the store again.</summary>
    public const double RefreshAheadAt = 0.8;

    /// <summary>The newest snapshot read so far, however old; null before the first read.</summary>
    public FleetSnapshot? Latest => Volatile.Read(ref _latest);

    /// <summary>A snapshot at most <see cref="MetricsOptions.FleetMaxAge"/> old, reading the store when the cached one is older.</summary>
    public Task<FleetSnapshot> GetAsync(CancellationToken cancellationToken)
    {
        Task<FleetSnapshot> reading;
        lock (_gate)
        {
            _lastDemandTimestamp = time.GetTimestamp();
            if (_latest is { } latest && time.GetElapsedTime(_latestAtTimestamp) <= options.Value.Metrics.FleetMaxAge) return Task.FromResult(latest);
            reading = _reading ??= ReadAsync();
        }
        return reading.WaitAsync(cancellationToken);
    }

    /// <summary>Starts a store read in the background when the cached snapshot is stale; never waits (for hot paths).</summary>
    public void RefreshInBackgroundIfStale() => ReadInBackgroundIfOlderThan(options.Value.Metrics.FleetMaxAge, needsDemand: false);

    /// <summary>
    /// Starts a store read in the background when the snapshot is near its <see cref="MetricsOptions.FleetMaxAge"/>
    /// (<see cref="RefreshAheadAt"/>) and someone read the figures within <see cref="DemandWindow"/>; never waits.
    /// </summary>
    public void RefreshAhead() => ReadInBackgroundIfOlderThan(options.Value.Metrics.FleetMaxAge * RefreshAheadAt, needsDemand: true);

    private void ReadInBackgroundIfOlderThan(TimeSpan age, bool needsDemand)
    {
        lock (_gate)
        {
            if (_reading is not null) return;
            if (needsDemand && (_lastDemandTimestamp == 0 || time.GetElapsedTime(_lastDemandTimestamp) > DemandWindow)) return;
            if (_latest is not null && time.GetElapsedTime(_latestAtTimestamp) < age) return;
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
