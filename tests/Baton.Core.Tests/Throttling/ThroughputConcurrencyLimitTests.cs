using Baton.Core.Throttling;
using Microsoft.Extensions.Time.Testing;

namespace Baton.Core.Tests.Throttling;

public sealed class ThroughputConcurrencyLimitTests
{
    private readonly FakeTimeProvider _time = new();

    /// <summary>Completions spread evenly over <paramref name="length"/>, each admitted with <paramref name="inFlight"/> in flight.</summary>
    private void Complete(ThroughputConcurrencyLimit limit, double perSecond, TimeSpan length, TimeSpan latency, Func<int> inFlight)
    {
        var step = TimeSpan.FromSeconds(1 / perSecond);
        for (var elapsed = TimeSpan.Zero; elapsed < length; elapsed += step)
        {
            _time.Advance(step);
            limit.OnSample(latency, inFlight());
        }
    }

    [Fact]
    public void Probes_run_above_and_below_the_starting_limit()
    {
        var limit = new ThroughputConcurrencyLimit(min: 4, max: 200, initial: 100, _time);
        var seen = new HashSet<int> { limit.Current };
        for (var i = 0; i < 20; i++)
        {
            Complete(limit, 1000, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(5), () => limit.Current);
            seen.Add(limit.Current);
        }
        Assert.Contains(120, seen);
        Assert.Contains(80, seen);
    }

    [Fact]
    public void A_rate_that_does_not_follow_the_limit_shrinks_it_to_the_bandwidth_delay_product()
    {
        // 1,000 writes/s whatever the limit, 5 ms each at the least: past 5 in flight writes only queue.
        var limit = new ThroughputConcurrencyLimit(min: 1, max: 500, initial: 500, _time);
        Complete(limit, 1000, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(5), () => 1);
        Complete(limit, 1000, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50), () => limit.Current);

        Assert.InRange(limit.Current, 4, 12);
        Assert.InRange(limit.DeliveryRatePerSecond, 900, 1100);
        Assert.Equal(5, limit.MinLatencyMs, precision: 3);
    }

    [Fact]
    public void A_lower_probe_that_never_fills_grows_the_limit_to_its_largest()
    {
        var limit = new ThroughputConcurrencyLimit(min: 4, max: 200, initial: 20, _time);
        Complete(limit, 1000, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(5), () => 2);
        // At its largest: the probes run at 200 and 20 % under it.
        Assert.InRange(limit.Current, 160, 200);
    }

    [Fact]
    public void A_trickle_of_writes_after_saturation_opens_the_limit_again()
    {
        var limit = new ThroughputConcurrencyLimit(min: 1, max: 500, initial: 500, _time);
        Complete(limit, 1000, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(5), () => 1);
        Complete(limit, 1000, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50), () => limit.Current);
        var saturated = limit.Current;

        // One write a second: each comes after a pause longer than a probe.
        Complete(limit, 1, TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(5), () => 1);

        Assert.True(saturated < 20, $"saturated limit {saturated}");
        Assert.InRange(limit.Current, 400, 500);
    }

    [Fact]
    public void Slots_are_taken_up_to_the_limit_and_given_back()
    {
        var limit = new ThroughputConcurrencyLimit(min: 2, max: 2, initial: 2, _time);
        Assert.True(limit.TryAcquire(out var first));
        Assert.True(limit.TryAcquire(out var second));
        Assert.False(limit.TryAcquire(out _));
        Assert.Equal((1, 2, 2), (first, second, limit.InFlight));

        limit.Release();
        Assert.True(limit.TryAcquire(out var again));
        Assert.Equal(2, again);
    }

    [Theory]
    [InlineData(0, 10, 5)]
    [InlineData(10, 5, 5)]
    public void Bounds_that_make_no_sense_are_refused(int min, int max, int initial) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ThroughputConcurrencyLimit(min, max, initial, _time));

    [Fact]
    public void The_limit_is_kept_within_the_bounds()
    {
        Assert.Equal(10, new ThroughputConcurrencyLimit(2, 10, 50, _time).Current);
        Assert.Equal(3, new ThroughputConcurrencyLimit(2, 10, 1, _time).Current);
    }
}
