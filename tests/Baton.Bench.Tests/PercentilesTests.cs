using Baton.Bench.Metrics;

namespace Baton.Bench.Tests;

public sealed class PercentilesTests
{
    [Fact]
    public void Nearest_rank_over_one_to_a_hundred_gives_the_rank_itself()
    {
        var samples = Enumerable.Range(1, 100).Select(i => (double)i).Reverse().ToArray();

        var p = Percentiles.FromSamples(samples);

        Assert.Equal(new Percentiles(50, 95, 99, 100, 100), p);
    }

    [Fact]
    public void Small_sample_sets_round_up_to_the_next_sample()
    {
        var p = Percentiles.FromSamples([10, 30, 20]);

        Assert.Equal(20, p.P50);
        Assert.Equal(30, p.P95);
        Assert.Equal(30, p.P99);
        Assert.Equal(30, p.Max);
        Assert.Equal(3, p.Count);
    }

    [Fact]
    public void No_samples_summarise_to_zeros()
    {
        Assert.Equal(Percentiles.Empty, Percentiles.FromSamples([]));
        Assert.Equal(0, new LatencyRecorder().Summarise().Count);
    }

    [Fact]
    public void Recorder_keeps_every_sample_from_concurrent_callers()
    {
        var recorder = new LatencyRecorder();

        Parallel.For(0, 10_000, i => recorder.Record(i % 1000));

        var p = recorder.Summarise();
        Assert.Equal(10_000, p.Count);
        Assert.Equal(999, p.Max);
        Assert.Equal(499, p.P50);
    }
}
