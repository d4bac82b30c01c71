using Baton.Core.Scheduling;
using Microsoft.Extensions.Time.Testing;

namespace Baton.Core.Tests.Scheduling;

public sealed class PolicyTests
{
    private static readonly TimeSpan Tolerance = MisfirePolicies.DefaultTolerance;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 2, 8, 0, 0, TimeSpan.Zero));

    /// <summary>An hourly schedule whose scheduler was down from 02:00 to 08:00 sees six fires due now.</summary>
    private IReadOnlyList<DateTimeOffset> DueAfterDowntime()
    {
        var timeline = new FireTimeline(CronSchedule.Parse("0 * * * *", "UTC"));
        var lastFire = new DateTimeOffset(2025, 6, 2, 2, 0, 0, TimeSpan.Zero);
        _time.Advance(TimeSpan.FromSeconds(3));
        return timeline.FiresBetween(lastFire, _time.GetUtcNow(), 1000);
    }

    [Fact]
    public void On_time_fires_always_fire()
    {
        var now = _time.GetUtcNow().AddSeconds(2);
        foreach (var policy in Enum.GetValues<MisfirePolicy>())
        {
            var decision = MisfirePolicies.Decide(policy, TimeSpan.Zero, [_time.GetUtcNow()], now, Tolerance);
            Assert.Equal([_time.GetUtcNow()], decision.FireTimes);
            Assert.Equal(0, decision.Skipped);
        }
        Assert.Empty(MisfirePolicies.Decide(MisfirePolicy.CatchUp, TimeSpan.FromHours(1), [], now, Tolerance).FireTimes);
    }

    [Fact]
    public void Fire_once_now_folds_every_missed_fire_into_one_job_keyed_by_the_latest()
    {
        var due = DueAfterDowntime();
        Assert.Equal(6, due.Count);
        var decision = MisfirePolicies.Decide(MisfirePolicy.FireOnceNow, TimeSpan.Zero, due, _time.GetUtcNow(), Tolerance);
        Assert.Equal([new DateTimeOffset(2025, 6, 2, 8, 0, 0, TimeSpan.Zero)], decision.FireTimes);
        Assert.Equal(5, decision.Skipped);
    }

    [Fact]
    public void Skip_to_next_drops_missed_fires_but_keeps_the_one_on_time()
    {
        var due = DueAfterDowntime();
        var decision = MisfirePolicies.Decide(MisfirePolicy.SkipToNext, TimeSpan.Zero, due, _time.GetUtcNow(), Tolerance);
        Assert.Equal([new DateTimeOffset(2025, 6, 2, 8, 0, 0, TimeSpan.Zero)], decision.FireTimes);
        Assert.Equal(5, decision.Skipped);

        _time.Advance(TimeSpan.FromMinutes(10));
        var late = MisfirePolicies.Decide(MisfirePolicy.SkipToNext, TimeSpan.Zero, due, _time.GetUtcNow(), Tolerance);
        Assert.Empty(late.FireTimes);
        Assert.Equal(6, late.Skipped);
    }

    [Fact]
    public void Catch_up_fires_each_missed_time_within_the_window()
    {
        var due = DueAfterDowntime();
        var decision = MisfirePolicies.Decide(MisfirePolicy.CatchUp, TimeSpan.FromHours(3) + TimeSpan.FromMinutes(1), due, _time.GetUtcNow(), Tolerance);
        Assert.Equal([5, 6, 7, 8], decision.FireTimes.Select(f => f.Hour));
        Assert.Equal(2, decision.Skipped);

        var everything = MisfirePolicies.Decide(MisfirePolicy.CatchUp, TimeSpan.FromDays(1), due, _time.GetUtcNow(), Tolerance);
        Assert.Equal(due, everything.FireTimes);
    }

    [Theory]
    [InlineData(ConcurrencyPolicy.Allow, false, false, ConcurrencyAction.Submit)]
    [InlineData(ConcurrencyPolicy.Allow, true, false, ConcurrencyAction.Submit)]
    [InlineData(ConcurrencyPolicy.Skip, false, false, ConcurrencyAction.Submit)]
    [InlineData(ConcurrencyPolicy.Skip, true, false, ConcurrencyAction.SkipFire)]
    [InlineData(ConcurrencyPolicy.QueueOne, false, false, ConcurrencyAction.Submit)]
    [InlineData(ConcurrencyPolicy.QueueOne, true, false, ConcurrencyAction.QueueFire)]
    [InlineData(ConcurrencyPolicy.QueueOne, true, true, ConcurrencyAction.SkipFire)]
    [InlineData(ConcurrencyPolicy.CancelPrevious, false, false, ConcurrencyAction.Submit)]
    [InlineData(ConcurrencyPolicy.CancelPrevious, true, false, ConcurrencyAction.CancelPreviousAndSubmit)]
    public void Concurrency_policies_decide_from_the_previous_run(ConcurrencyPolicy policy, bool active, bool queued, ConcurrencyAction expected) =>
        Assert.Equal(expected, ConcurrencyPolicies.Decide(policy, active, queued));

    [Fact]
    public void Policy_names_round_trip()
    {
        foreach (var policy in Enum.GetValues<ConcurrencyPolicy>())
        {
            Assert.True(ConcurrencyPolicies.TryParse(policy.ToText(), out var parsed));
            Assert.Equal(policy, parsed);
        }
        foreach (var policy in Enum.GetValues<MisfirePolicy>())
        {
            Assert.True(MisfirePolicies.TryParse(policy.ToText(), out var parsed));
            Assert.Equal(policy, parsed);
        }
        foreach (var mode in Enum.GetValues<CalendarMode>())
        {
            Assert.True(CalendarModes.TryParse(mode.ToText(), out var parsed));
            Assert.Equal(mode, parsed);
        }
        Assert.False(ConcurrencyPolicies.TryParse("sometimes", out _));
        Assert.False(MisfirePolicies.TryParse("never", out _));
        Assert.False(CalendarModes.TryParse("weekends", out _));
    }
}
