using Baton.Bench.Metrics;

namespace Baton.Bench.Tests;

public sealed class MetricsComparisonTests
{
    [Fact]
    public void The_overhead_is_the_throughput_lost_with_metrics_on_and_latencies_are_kept_side_by_side()
    {
        var off = new BenchResult("dispatch", "postgres").Add("throughput_jobs_per_s", 1000).Add("submit_ms", new Percentiles(1, 2, 3, 4, 10));
        var on = new BenchResult("dispatch", "postgres").Add("throughput_jobs_per_s", 960).Add("submit_ms", new Percentiles(1.1, 2.2, 3.3, 4.4, 10));

        var compared = MetricsComparison.Compare(off, on);

        Assert.Equal("dispatch-compare-metrics", compared.Scenario);
        Assert.Equal(1000.0, compared.Get("metrics_off_throughput_jobs_per_s"));
        Assert.Equal(960.0, compared.Get("metrics_on_throughput_jobs_per_s"));
        Assert.Equal(4.0, (double)compared.Get("metrics_overhead_percent")!, 6);
        Assert.Equal(new Percentiles(1, 2, 3, 4, 10), compared.Get("metrics_off_submit_ms"));
        Assert.Equal(new Percentiles(1.1, 2.2, 3.3, 4.4, 10), compared.Get("metrics_on_submit_ms"));
    }
}
