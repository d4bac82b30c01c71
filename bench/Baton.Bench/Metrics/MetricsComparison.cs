namespace Baton.Bench.Metrics;

/// <summary>
/// One scenario run twice in one bench run, the server's instrumentation off then on: the throughput each reached and
/// what metrics cost (target ≤ 5 % of dispatch throughput).
/// </summary>
public static class MetricsComparison
{
    private const string Throughput = "throughput_jobs_per_s";

    public static BenchResult Compare(BenchResult off, BenchResult on)
    {
        ArgumentNullException.ThrowIfNull(off);
        ArgumentNullException.ThrowIfNull(on);
        var result = new BenchResult(on.Scenario + "-compare-metrics", on.Backend);
        if (off.Get(Throughput) is double without && on.Get(Throughput) is double with)
        {
            result.Add("metrics_off_" + Throughput, without)
                .Add("metrics_on_" + Throughput, with)
                .Add("metrics_overhead_percent", without > 0 ? (without - with) / without * 100 : 0);
        }
        foreach (var metric in on.Metrics.Where(m => m.Value is Percentiles))
        {
            result.Add("metrics_on_" + metric.Key, (Percentiles)metric.Value);
            if (off.Get(metric.Key) is Percentiles before) result.Add("metrics_off_" + metric.Key, before);
        }
        return result.Note("The same scenario and sizes twice in one run: first with Baton:Server:Metrics:Enabled=false, then on. " +
            "Overhead = (off − on) / off of the throughput; negative means the difference is within the run-to-run noise.");
    }
}
