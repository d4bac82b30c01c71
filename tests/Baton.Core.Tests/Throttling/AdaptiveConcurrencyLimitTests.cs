using Baton.Core.Throttling;

namespace Baton.Core.Tests.Throttling;

public sealed class AdaptiveConcurrencyLimitTests
{
    [Fact]
    public void Steady_latency_under_full_load_grows_the_limit_to_its_largest()
    {
        var limit = new AdaptiveConcurrencyLimit(min: 4, max: 200, initial: 20);
        for (var i = 0; i < 500; i++) limit.OnSample(TimeSpan.FromMilliseconds(10), inFlight: limit.Current);
        Assert.Equal(200, limit.Current);
    }

    [Fact]
    public void Latency_climbing_well_past_its_average_shrinks_the_limit_toward_the_smallest()
    {
        var limit = new AdaptiveConcurrencyLimit(min: 4, max: 200, initial: 100);
        for (var i = 0; i < 600; i++) limit.OnSample(TimeSpan.FromMilliseconds(10), inFlight: 1);
        var before = limit.Current;

        // Saturated: every request queues and takes many times longer.
        for (var i = 0; i < 40; i++) limit.OnSample(TimeSpan.FromMilliseconds(200), inFlight: limit.Current);

        Assert.Equal(100, before);
        Assert.True(limit.Current < 20, $"limit {limit.Current} should have dropped well below 100");
        Assert.True(limit.Current >= 4);
    }

    [Fact]
    public void Latency_within_the_tolerance_does_not_shrink_the_limit()
    {
        var limit = new AdaptiveConcurrencyLimit(min: 4, max: 200, initial: 50);
        for (var i = 0; i < 600; i++) limit.OnSample(TimeSpan.FromMilliseconds(10), inFlight: 1);
        for (var i = 0; i < 50; i++) limit.OnSample(TimeSpan.FromMilliseconds(14), inFlight: limit.Current);
        Assert.True(limit.Current >= 50, $"limit {limit.Current}");
    }

    [Fact]
    public void The_jitter_of_a_fast_server_does_not_shrink_the_limit()
    {
        var limit = new AdaptiveConcurrencyLimit(min: 4, max: 512, initial: 512);
        for (var i = 0; i < 600; i++) limit.OnSample(TimeSpan.FromMilliseconds(3), inFlight: 1);

        // Busy, writes answered in 1-40 ms: ten times the average at times, but nothing queues for long.
        for (var i = 0; i < 2000; i++) limit.OnSample(TimeSpan.FromMilliseconds(1 + i % 40), inFlight: 400);

        Assert.Equal(512, limit.Current);
    }

    [Fact]
    public void Latency_past_the_noticeable_shrinks_a_fast_server_s_limit()
    {
        var limit = new AdaptiveConcurrencyLimit(min: 4, max: 512, initial: 512);
        for (var i = 0; i < 600; i++) limit.OnSample(TimeSpan.FromMilliseconds(3), inFlight: 1);
        for (var i = 0; i < 60; i++) limit.OnSample(TimeSpan.FromMilliseconds(4 * AdaptiveConcurrencyLimit.NoticeableLatencyMs), inFlight: limit.Current);
        Assert.True(limit.Current < 100, $"limit {limit.Current}");
    }

    [Fact]
    public void A_lightly_loaded_server_keeps_its_limit_whatever_the_latency()
    {
        var limit = new AdaptiveConcurrencyLimit(min: 4, max: 200, initial: 64);
        limit.OnSample(TimeSpan.FromMilliseconds(5), inFlight: 1);
        for (var i = 0; i < 100; i++) limit.OnSample(TimeSpan.FromMilliseconds(500), inFlight: 3);
        Assert.Equal(64, limit.Current);
    }

    [Fact]
    public void After_saturation_ends_the_limit_recovers()
    {
        var limit = new AdaptiveConcurrencyLimit(min: 4, max: 100, initial: 100);
        for (var i = 0; i < 600; i++) limit.OnSample(TimeSpan.FromMilliseconds(10), inFlight: 1);
        for (var i = 0; i < 100; i++) limit.OnSample(TimeSpan.FromMilliseconds(300), inFlight: limit.Current);
        var low = limit.Current;
        for (var i = 0; i < 2000; i++) limit.OnSample(TimeSpan.FromMilliseconds(10), inFlight: limit.Current);
        Assert.True(low < 20, $"low {low}");
        Assert.Equal(100, limit.Current);
    }

    [Theory]
    [InlineData(0, 10, 5)]
    [InlineData(10, 5, 5)]
    public void Bounds_that_make_no_sense_are_refused(int min, int max, int initial) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdaptiveConcurrencyLimit(min, max, initial));

    [Fact]
    public void The_initial_limit_is_kept_within_the_bounds()
    {
        Assert.Equal(10, new AdaptiveConcurrencyLimit(2, 10, 50).Current);
        Assert.Equal(2, new AdaptiveConcurrencyLimit(2, 10, 1).Current);
    }
}
