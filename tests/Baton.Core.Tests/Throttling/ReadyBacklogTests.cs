using Baton.Core.Throttling;
using Microsoft.Extensions.Time.Testing;

namespace Baton.Core.Tests.Throttling;

/// <summary>
/// The intake bound on the ready backlog, against a simulated fleet (deterministic, in simulated milliseconds): the
/// fleet claims up to its capacity a second while jobs are ready; clients offer submissions open loop, and a refused
/// one comes back after a Retry-After of 1 to 3 s, as the bench's clients do.
/// </summary>
public sealed class ReadyBacklogTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));

    private sealed record Phase(int Seconds, double OfferedPerSecond, double CapacityPerSecond);

    private sealed record Outcome(double[] ClaimedPerSecond, double[] AdmittedPerSecond, long MaxBacklog);

    private Outcome Run(ReadyBacklog backlog, string tenant, params Phase[] phases)
    {
        var random = new Random(11);
        var retries = new PriorityQueue<int, int>();
        var claimed = new List<double>();
        var admittedPerSecond = new List<double>();
        var offered = 0.0;
        var capacity = 0.0;
        var ready = 0L;
        var maxBacklog = 0L;
        var nowMs = 0;
        foreach (var phase in phases)
        {
            for (var s = 0; s < phase.Seconds; s++)
            {
                var claimedThisSecond = 0;
                var admittedThisSecond = 0;
                for (var ms = 0; ms < 1000; ms++, nowMs++)
                {
                    _time.Advance(TimeSpan.FromMilliseconds(1));
                    offered += phase.OfferedPerSecond / 1000;
                    var arrivals = (int)offered;
                    offered -= arrivals;
                    while (retries.TryPeek(out _, out var due) && due <= nowMs)
                    {
                        retries.Dequeue();
                        arrivals++;
                    }
                    for (var i = 0; i < arrivals; i++)
                    {
                        if (backlog.TryAdmit(tenant, 1, saturated: true))
                        {
                            backlog.Added(tenant);
                            ready++;
                            admittedThisSecond++;
                        }
                        else
                        {
                            retries.Enqueue(0, nowMs + 1000 * random.Next(1, 4));
                        }
                    }
                    maxBacklog = Math.Max(maxBacklog, ready);

                    capacity = Math.Min(capacity + phase.CapacityPerSecond / 1000, 10);
                    var take = (int)Math.Min(capacity, ready);
                    if (take > 0)
                    {
                        capacity -= take;
                        ready -= take;
                        claimedThisSecond += take;
                        backlog.Claimed(tenant, take);
                    }
                }
                claimed.Add(claimedThisSecond);
                admittedPerSecond.Add(admittedThisSecond);
            }
        }
        return new Outcome([.. claimed], [.. admittedPerSecond], maxBacklog);
    }

    [Fact]
    public void Offered_ten_times_what_the_fleet_takes_it_keeps_its_peak_and_the_backlog_stays_bounded()
    {
        var backlog = new ReadyBacklog(_time);
        var outcome = Run(backlog, "a", new Phase(5, 500, 1_000), new Phase(20, 10_000, 1_000));

        var overload = outcome.ClaimedPerSecond[10..];
        Assert.All(overload, c => Assert.True(c >= 0.9 * 1_000, $"claimed {c}/s of a capacity of 1,000"));
        // Intake is held to what drains: over the overload, admitted ≈ claimed, the excess refused.
        var admitted = outcome.AdmittedPerSecond[10..].Sum();
        Assert.True(admitted <= overload.Sum() + backlog.Bound("a"), $"admitted {admitted} while {overload.Sum()} were claimed");
        Assert.True(outcome.MaxBacklog <= 1.05 * 1_000 * ReadyBacklog.Horizon.TotalSeconds, $"backlog reached {outcome.MaxBacklog}");
    }

    [Fact]
    public void A_fleet_that_slows_down_and_recovers_is_not_spiralled_down()
    {
        var backlog = new ReadyBacklog(_time);
        // Full speed, then the fleet loses most of its capacity (a loaded machine), then gets it back; offered 10× throughout.
        var outcome = Run(backlog, "a", new Phase(5, 10_000, 1_000), new Phase(15, 10_000, 100), new Phase(10, 10_000, 1_000));

        // Slowed, it is still fed: it claims what it can.
        Assert.All(outcome.ClaimedPerSecond[6..20], c => Assert.True(c >= 0.9 * 100, $"slowed: claimed {c}/s of 100"));
        // Recovered, it is back at its capacity within a second or two: a dip does not tighten intake.
        Assert.All(outcome.ClaimedPerSecond[22..], c => Assert.True(c >= 0.9 * 1_000, $"recovered: claimed {c}/s of 1,000"));
        // And the bound is back at what the whole fleet drains in the horizon.
        Assert.True(backlog.Bound("a") >= 0.9 * 1_000 * ReadyBacklog.Horizon.TotalSeconds, $"bound {backlog.Bound("a")}");
    }

    [Fact]
    public void Slowed_for_longer_than_the_peak_memory_the_bound_follows_the_fleet_down()
    {
        var backlog = new ReadyBacklog(_time);
        Run(backlog, "a", new Phase(5, 10_000, 1_000), new Phase(15, 10_000, 100));

        Assert.InRange(backlog.Bound("a"), ReadyBacklog.FloorPerTenant, 2 * 100 * ReadyBacklog.Horizon.TotalSeconds);
    }

    [Fact]
    public void One_tenants_flood_does_not_refuse_another_tenants_submissions()
    {
        var backlog = new ReadyBacklog(_time);
        Run(backlog, "a", new Phase(10, 10_000, 1_000));
        // Tenant A is held at its bound ...
        Assert.InRange(backlog.Backlog("a"), backlog.Bound("a") - 20, backlog.Bound("a"));

        // ... and B, with nothing waiting, is admitted up to its own.
        Assert.True(backlog.TryAdmit("b", 1, saturated: true));
        for (var i = 0; i < ReadyBacklog.FloorPerTenant - 1; i++) backlog.Added("b");
        Assert.True(backlog.TryAdmit("b", 1, saturated: true));
        backlog.Added("b");
        Assert.False(backlog.TryAdmit("b", 1, saturated: true));
    }

    [Fact]
    public void Not_saturated_intake_is_free_and_an_empty_backlog_takes_any_batch()
    {
        var backlog = new ReadyBacklog(_time);
        for (var i = 0; i < 10_000; i++) backlog.Added("a");

        Assert.True(backlog.TryAdmit("a", 1, saturated: false));
        Assert.False(backlog.TryAdmit("a", 1, saturated: true));
        backlog.Claimed("a", 10_000);
        Assert.True(backlog.TryAdmit("a", 1_000, saturated: true));
    }

    [Fact]
    public void A_store_count_below_the_estimate_corrects_it_and_one_above_does_not()
    {
        var backlog = new ReadyBacklog(_time);
        for (var i = 0; i < 500; i++) backlog.Added("a");

        // Jobs cancelled or claimed by another replica: the store counts fewer.
        backlog.Observed("a", 40);
        Assert.Equal(40, backlog.Backlog("a"));
        // Jobs in a paused queue or another replica's: not this replica's backlog to refuse on.
        backlog.Observed("a", 5_000);
        Assert.Equal(40, backlog.Backlog("a"));
    }
}
