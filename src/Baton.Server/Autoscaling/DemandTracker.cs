using Baton.Core.Autoscaling;
using Baton.Core.Autoscaling.Forecasting;
using Baton.Server.Scheduling;
using Baton.Storage;

namespace Baton.Server.Autoscaling;

/// <summary>
/// The forecaster's inputs from the store: unscheduled demand per 5-minute bucket (the last five weeks, refreshed
/// every minute), each package's measured run time (mean of successful runs in the last week), and the upcoming
/// fires. Demand of a bucket is the run time of its finished jobs plus, for jobs not finished yet, the bucket's mean
/// (or a minute). Shared by the autoscaler role and the forecast endpoint; fleet-wide (not per agent group).
/// </summary>
public sealed class DemandTracker(IBatonStore store, UpcomingFires upcoming, TimeProvider time) : IDisposable
{
    public static readonly TimeSpan DefaultRunTime = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Refresh = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan RunTimeRefresh = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private DemandHistory? _history;
    private DateTimeOffset _refreshedAt = DateTimeOffset.MinValue;
    private Dictionary<(string, string), double> _runTimes = [];
    private DateTimeOffset _runTimesAt = DateTimeOffset.MinValue;

    public async Task<CapacityPlan> PlanAsync(ScalingPolicy policy, TimeSpan horizon, TimeSpan lead, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await _gate.WaitAsync(ct);
        try
        {
            await RefreshAsync(now, ct);
            var fires = await upcoming.ListAsync(null, horizon + lead, ct);
            var runs = fires.Fires.Select(f => new UpcomingRun(f.FireAt, $"{f.TenantId}/{f.Package}",
                _runTimes.TryGetValue((f.TenantId, f.Package), out var seconds) ? TimeSpan.FromSeconds(seconds) : DefaultRunTime));
            return CapacityPlanner.Plan(_history!, runs, now, horizon, lead, policy.Predictive, policy.Limits);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RefreshAsync(DateTimeOffset now, CancellationToken ct)
    {
        if (_history is null || now - _refreshedAt >= Refresh)
        {
            var from = _history is null ? now - DemandHistory.Retention : now - TimeSpan.FromHours(2);
            var history = _history ?? new DemandHistory();
            var rows = await store.Autoscale.ReadDemandAsync(from, ct);
            foreach (var row in rows)
            {
                var mean = row.Finished > 0 ? row.RunSeconds / row.Finished : DefaultRunTime.TotalSeconds;
                history.Set(row.Bucket, row.RunSeconds + (row.Jobs - row.Finished) * mean);
            }
            // Quiet buckets since the first demand seen are zeros, not gaps (the current bucket is still filling).
            if (history.FirstBucket is { } first) history.Observe(first, DemandHistory.BucketOf(now));
            history.Trim(now);
            _history = history;
            _refreshedAt = now;
        }
        if (now - _runTimesAt >= RunTimeRefresh)
        {
            _runTimes = (await store.Autoscale.ReadRunTimesAsync(now - TimeSpan.FromDays(7), ct)).ToDictionary(r => (r.TenantId, r.Package), r => r.MeanSeconds);
            _runTimesAt = now;
        }
    }

    public void Dispose() => _gate.Dispose();
}
