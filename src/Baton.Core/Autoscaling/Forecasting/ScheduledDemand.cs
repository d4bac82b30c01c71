namespace Baton.Core.Autoscaling.Forecasting;

/// <summary>A fire that already exists: when, what (for the explanation), how many jobs, and the measured run time of one.</summary>
public sealed record UpcomingRun(DateTimeOffset FireAt, string What, TimeSpan ExpectedRunTime, int Jobs = 1);

/// <summary>
/// Demand known ahead: each upcoming fire times its package's measured run time, spread over the buckets
/// the run would span if it started on time. A holiday has no fires, so it has no scheduled demand: the
/// business calendar is honoured without the forecaster knowing about calendars.
/// </summary>
public static class ScheduledDemand
{
    /// <summary>Agent-seconds per bucket for <paramref name="buckets"/> buckets from the bucket of <paramref name="from"/>.</summary>
    public static double[] PerBucket(IEnumerable<UpcomingRun> runs, DateTimeOffset from, int buckets)
    {
        var first = DemandHistory.BucketOf(from);
        var demand = new double[buckets];
        foreach (var run in runs)
        {
            if (run.Jobs <= 0 || run.ExpectedRunTime <= TimeSpan.Zero) continue;
            var start = run.FireAt.ToUnixTimeMilliseconds() / 1000.0;
            var end = start + run.ExpectedRunTime.TotalSeconds;
            for (var b = DemandHistory.BucketOf(run.FireAt); ; b++)
            {
                var bucketStart = (double)b * DemandHistory.BucketSeconds;
                if (bucketStart >= end) break;
                var index = b - first;
                if (index >= buckets) break;
                var overlap = Math.Min(end, bucketStart + DemandHistory.BucketSeconds) - Math.Max(start, bucketStart);
                if (index >= 0 && overlap > 0) demand[index] += overlap * run.Jobs;
            }
        }
        return demand;
    }
}

/// <summary>
/// The measured run time of a package: the median of its recent runs (robust to one stuck run), or a
/// default until it has run.
/// </summary>
public sealed class RunTimeEstimator(TimeSpan fallback, int window = 20)
{
    private readonly Dictionary<string, Queue<double>> _runs = new(StringComparer.Ordinal);

    public TimeSpan Fallback { get; } = fallback;

    public void Record(string what, TimeSpan runTime)
    {
        if (!_runs.TryGetValue(what, out var runs)) _runs[what] = runs = new Queue<double>();
        runs.Enqueue(runTime.TotalSeconds);
        while (runs.Count > window) runs.Dequeue();
    }

    public TimeSpan Estimate(string what) =>
        _runs.TryGetValue(what, out var runs) && runs.Count > 0 ? TimeSpan.FromSeconds(DemandForecaster.Median([.. runs])) : Fallback;

    public bool HasMeasured(string what) => _runs.TryGetValue(what, out var runs) && runs.Count > 0;
}
