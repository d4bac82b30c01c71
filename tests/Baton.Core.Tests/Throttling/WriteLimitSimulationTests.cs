using Baton.Core.Throttling;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Baton.Core.Tests.Throttling;

/// <summary>
/// The write limits against simulated servers offered ten times what they can take (<see cref="WriteServerSimulation"/>):
/// a group-committing store, where more writes in flight make bigger, cheaper commits up to what the workers
/// can do, and a plain queue in front of a fixed service rate. Deterministic: the fsync jitter comes from seeds.
/// </summary>
public sealed class WriteLimitSimulationTests(ITestOutputHelper output)
{
    private const int Offered = 20_000;
    private static readonly TimeSpan Length = TimeSpan.FromSeconds(20);

    private static WriteServerSimulation.Outcome WithThroughputLimit(WriteServerSimulation model, int seed, int offered = Offered)
    {
        var time = new FakeTimeProvider();
        var limit = new ThroughputConcurrencyLimit(min: 1, max: 512, initial: 512, time);
        return model.Run(() => limit.Current, limit.OnSample, time, offered, Length, seed);
    }

    private static WriteServerSimulation.Outcome WithGradientLimit(WriteServerSimulation model, int seed)
    {
        var limit = new GradientConcurrencyLimit(min: 1, max: 512, initial: 512);
        return model.Run(() => limit.Current, limit.OnSample, new FakeTimeProvider(), Offered, Length, seed);
    }

    /// <summary>The median latency at the smallest fixed limit with which the model completes 90 % of its capacity.</summary>
    private static double LatencyAtNineTenths(WriteServerSimulation model, int seed)
    {
        foreach (var fixedLimit in new[] { 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256 })
        {
            var outcome = model.Run(() => fixedLimit, (_, _) => { }, new FakeTimeProvider(), Offered, TimeSpan.FromSeconds(4), seed);
            if (outcome.PerSecond >= 0.9 * model.Capacity) return outcome.MedianMs;
        }
        throw new InvalidOperationException("The model never reaches 90 % of its capacity.");
    }

    private bool Healthy(WriteServerSimulation model, WriteServerSimulation.Outcome outcome, double reference, string what)
    {
        output.WriteLine($"{what}: {outcome} (capacity {model.Capacity:0}/s, median {reference:0.0} ms at 90 % with a fixed limit)");
        return outcome.PerSecond >= 0.9 * model.Capacity && outcome.MedianMs <= 2 * reference;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void A_latency_gradient_fails_a_group_committing_store_with_a_noisy_fsync_where_the_throughput_limit_does_not(int seed)
    {
        // Each fsync takes 4 ms × (1 + half an exponential draw): writes get slower as batches grow, and now and then all at once.
        var model = WriteServerSimulation.GroupCommit(jitter: 0.5);
        var reference = LatencyAtNineTenths(model, seed);

        // The gradient either shrinks on the noise and loses a sixth of the rate, or never shrinks and lets 500 writes queue.
        Assert.False(Healthy(model, WithGradientLimit(model, seed), reference, "gradient"));
        Assert.True(Healthy(model, WithThroughputLimit(model, seed), reference, "throughput"));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void A_group_committing_store_runs_at_nine_tenths_of_its_capacity_without_a_long_queue(double jitter)
    {
        var model = WriteServerSimulation.GroupCommit(jitter);
        for (var seed = 1; seed <= 3; seed++)
        {
            var outcome = WithThroughputLimit(model, seed);
            Assert.True(Healthy(model, outcome, LatencyAtNineTenths(model, seed), $"seed {seed}, throughput"), outcome.ToString());
        }
        // The gradient, for the record (without jitter it is near the rate too, at twice the latency).
        output.WriteLine($"gradient: {WithGradientLimit(model, seed: 1)}");
    }

    [Fact]
    public void A_server_that_gains_nothing_from_more_writes_in_flight_keeps_a_short_queue()
    {
        // Eight workers at 4 ms: 2,000 writes/s whatever is in flight past eight; more only queue.
        var model = WriteServerSimulation.FixedRate();
        var outcome = WithThroughputLimit(model, seed: 1);
        output.WriteLine($"throughput: {outcome}; gradient: {WithGradientLimit(model, seed: 1)}");

        Assert.True(outcome.PerSecond >= 0.9 * model.Capacity, outcome.ToString());
        Assert.True(outcome.MedianMs <= 2 * model.LeastLatency.TotalMilliseconds, outcome.ToString());
        Assert.True(outcome.P99Ms <= 3 * model.LeastLatency.TotalMilliseconds, outcome.ToString());
        Assert.True(outcome.MeanInFlight <= 2 * 8, outcome.ToString());
    }

    [Fact]
    public void A_server_below_its_capacity_is_never_limited()
    {
        var model = WriteServerSimulation.GroupCommit(jitter: 0.5);
        var time = new FakeTimeProvider();
        var limit = new ThroughputConcurrencyLimit(min: 1, max: 512, initial: 512, time);

        var outcome = model.Run(() => limit.Current, limit.OnSample, time, offeredPerSecond: 1_000, Length);

        Assert.Equal(0, outcome.RefusedShare);
        // At its largest: the probes run at 512 and 20 % under it.
        Assert.InRange(limit.Current, 410, 512);
    }

    [Fact]
    public void After_saturation_the_limit_opens_again()
    {
        var model = WriteServerSimulation.GroupCommit(jitter: 0.5);
        var time = new FakeTimeProvider();
        var limit = new ThroughputConcurrencyLimit(min: 1, max: 512, initial: 512, time);

        model.Run(() => limit.Current, limit.OnSample, time, Offered, Length);
        var saturated = limit.Current;
        var light = model.Run(() => limit.Current, limit.OnSample, time, offeredPerSecond: 1_000, Length);

        Assert.True(saturated < 128, $"saturated limit {saturated}");
        Assert.Equal(0, light.RefusedShare);
        Assert.InRange(limit.Current, 410, 512);
    }
}
