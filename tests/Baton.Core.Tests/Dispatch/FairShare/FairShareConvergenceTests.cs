namespace Baton.Core.Tests.Dispatch.FairShare;

/// <summary>Property tests over simulated time: random fleets, weights and job mixes.</summary>
public sealed class FairShareConvergenceTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Backlogged_tenants_share_agent_seconds_in_proportion_to_their_weights(int seed)
    {
        var random = new Random(seed);
        var slots = random.Next(4, 33);
        // Run times differ per tenant: shares are agent-seconds, not job counts.
        var tenants = Enumerable.Range(0, random.Next(2, 6)).Select(t =>
        {
            var min = 0.2 + random.NextDouble() * 4;
            return new SimTenant($"t{t}", random.Next(1, 9), Cap: 1_000, min, min * (1 + random.NextDouble() * 2));
        }).ToList();

        var simulation = new FairShareSimulation(tenants, slots, windowSeconds: 120, seed);
        simulation.Run(seconds: 1_800, measureFrom: 300);

        var total = simulation.AgentSeconds.Sum();
        var weights = tenants.Sum(t => t.Weight);
        for (var t = 0; t < tenants.Count; t++)
        {
            var share = simulation.AgentSeconds[t] / total;
            var expected = tenants[t].Weight / weights;
            Assert.True(Math.Abs(share - expected) <= 0.03 + 0.1 * expected,
                $"seed {seed}: tenant {t} (weight {tenants[t].Weight}) got {share:P1}, expected {expected:P1}");
        }
        Assert.Equal(0, simulation.PicksOfZeroWeight);
        Assert.False(simulation.PrioritiesOutOfOrder);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void No_backlogged_tenant_is_starved_and_caps_hold(int seed)
    {
        var random = new Random(seed);
        var tenants = new List<SimTenant>
        {
            new("heavy", Weight: 8, Cap: 1_000, MinSeconds: 5, MaxSeconds: 30),
            new("light", Weight: 1, Cap: random.Next(1, 4), MinSeconds: 0.5, MaxSeconds: 2),
            new("capped", Weight: 4, Cap: random.Next(1, 3), MinSeconds: 1, MaxSeconds: 10),
            new("opted-out", Weight: 0, Cap: 1_000, MinSeconds: 1, MaxSeconds: 1),
        };
        var simulation = new FairShareSimulation(tenants, slots: random.Next(4, 17), windowSeconds: 600, seed);
        simulation.Run(seconds: 1_200, measureFrom: 0);

        Assert.True(simulation.MaxRunningOverCap <= 0, "a tenant ran more jobs than its cap");
        Assert.Empty(simulation.StartTimes[3]);
        foreach (var t in new[] { 0, 1, 2 })
        {
            var starts = simulation.StartTimes[t];
            Assert.NotEmpty(starts);
            var gaps = starts.Zip(starts.Skip(1), (a, b) => b - a).DefaultIfEmpty(0).Max();
            Assert.True(gaps <= 60, $"tenant {tenants[t].Id} waited {gaps:F1}s between starts");
        }
    }

    [Fact]
    public void A_tenant_arriving_after_a_flood_gets_the_next_free_slot()
    {
        var tenants = new List<SimTenant>
        {
            new("flood", Weight: 8, Cap: 1_000, MinSeconds: 1, MaxSeconds: 3),
            new("late", Weight: 1, Cap: 1_000, MinSeconds: 1, MaxSeconds: 3, ArrivesAt: 400, Jobs: 100),
        };
        var simulation = new FairShareSimulation(tenants, slots: 16, windowSeconds: 600, seed: 7);
        simulation.Run(seconds: 460, measureFrom: 0);

        // Its usage is zero, so it outranks the flooding tenant until it has caught up: every one of its
        // 100 jobs starts within a few job lengths of its arrival, far ahead of the flood's backlog.
        var late = simulation.StartTimes[1];
        Assert.Equal(100, late.Count);
        Assert.True(late[0] - 400 <= 3.5, $"first start after {late[0] - 400:F2}s");
        Assert.True(late[^1] - 400 <= 30, $"last start after {late[^1] - 400:F2}s");
    }

    [Fact]
    public void A_higher_priority_tenant_is_served_first_regardless_of_usage()
    {
        var tenants = new List<SimTenant>
        {
            new("urgent", Weight: 1, Cap: 1_000, MinSeconds: 1, MaxSeconds: 2, Priority: 10, Jobs: 200),
            new("normal", Weight: 8, Cap: 1_000, MinSeconds: 1, MaxSeconds: 2),
        };
        var simulation = new FairShareSimulation(tenants, slots: 8, windowSeconds: 600, seed: 3);
        simulation.Run(seconds: 120, measureFrom: 0);

        // While urgent jobs wait, no normal job starts.
        var lastUrgent = simulation.StartTimes[0][^1];
        Assert.Equal(200, simulation.StartTimes[0].Count);
        Assert.DoesNotContain(simulation.StartTimes[1], start => start < lastUrgent);
        Assert.False(simulation.PrioritiesOutOfOrder);
    }
}
