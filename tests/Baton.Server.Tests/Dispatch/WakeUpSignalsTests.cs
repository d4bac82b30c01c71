using Baton.Server.Dispatch;

namespace Baton.Server.Tests.Dispatch;

public sealed class WakeUpSignalsTests
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_counted_signal_wakes_that_many_waiters_longest_waiting_first()
    {
        var signals = new WakeUpSignals();
        var waiters = Enumerable.Range(0, 5).Select(_ => signals.Subscribe("work:t")).ToList();

        signals.Signal("work:t", 2);

        await waiters[0].Task.WaitAsync(Soon);
        await waiters[1].Task.WaitAsync(Soon);
        Assert.All(waiters.Skip(2), w => Assert.False(w.Task.IsCompleted));
        Assert.Equal("work:t", waiters[0].WokenBy);
        Assert.Null(waiters[2].WokenBy);
        foreach (var waiter in waiters) waiter.Dispose();
    }

    [Fact]
    public async Task A_signal_for_all_wakes_every_waiter_and_only_of_its_topic()
    {
        var signals = new WakeUpSignals();
        var mine = Enumerable.Range(0, 3).Select(_ => signals.Subscribe("logs:j1")).ToList();
        using var other = signals.Subscribe("logs:j2");

        signals.Signal("logs:j1");

        await Task.WhenAll(mine.Select(w => w.Task)).WaitAsync(Soon);
        Assert.False(other.Task.IsCompleted);
        foreach (var waiter in mine) waiter.Dispose();
    }

    [Fact]
    public async Task A_waiter_on_several_topics_is_woken_once_and_leaves_every_topic()
    {
        var signals = new WakeUpSignals();
        var both = signals.Subscribe("agent:a", "work:t");
        using var next = signals.Subscribe("work:t");

        signals.Signal("agent:a");
        await both.Task.WaitAsync(Soon);
        // The woken waiter no longer queues on work:t, so the next work signal goes to the other one.
        signals.Signal("work:t", 1);

        await next.Task.WaitAsync(Soon);
        Assert.Equal("agent:a", both.WokenBy);
        both.Dispose();
    }

    [Fact]
    public async Task A_passed_on_wake_up_goes_round_the_waiters_once_and_stops()
    {
        var signals = new WakeUpSignals();
        var first = signals.Subscribe("work:t");
        var second = signals.Subscribe("work:t");
        var third = signals.Subscribe("work:t");

        signals.Signal("work:t", 1);
        await first.Task.WaitAsync(Soon);
        first.Dispose();
        // The first cannot run the job; it waits again (at the back) and passes the wake-up on.
        var firstAgain = signals.Subscribe("work:t");
        first.PassOn();
        await second.Task.WaitAsync(Soon);
        second.Dispose();
        second.PassOn();
        await third.Task.WaitAsync(Soon);
        third.Dispose();
        third.PassOn();

        // Three waiters were there when it was raised: after three hops it stops instead of circling.
        await Task.Delay(100);
        Assert.False(firstAgain.Task.IsCompleted);
        firstAgain.Dispose();
    }

    [Fact]
    public void Passing_on_a_wake_up_that_woke_everyone_does_nothing()
    {
        var signals = new WakeUpSignals();
        var woken = signals.Subscribe("work:t");
        signals.Signal("work:t");
        using var later = signals.Subscribe("work:t");

        woken.PassOn();

        Assert.False(later.Task.IsCompleted);
        woken.Dispose();
    }

    [Fact]
    public void Disposed_waiters_leave_nothing_behind_and_a_signal_without_waiters_is_dropped()
    {
        var signals = new WakeUpSignals();
        var subscriptions = Enumerable.Range(0, 100).Select(i => signals.Subscribe("agent:" + i, "work:t")).ToList();
        Assert.Equal(101, signals.WaitingTopics);

        foreach (var subscription in subscriptions) subscription.Dispose();
        signals.Signal("work:t", 3);

        Assert.Equal(0, signals.WaitingTopics);
        using var late = signals.Subscribe("work:t");
        Assert.False(late.Task.IsCompleted);
    }

    [Fact]
    public void Every_signal_is_published_with_its_count_for_other_replicas()
    {
        var signals = new WakeUpSignals();
        var published = new List<(string, int)>();
        signals.Published += (topic, count) => published.Add((topic, count));

        signals.Signal("work:t", 3);
        signals.Signal("agent:a");
        signals.SignalLocal("work:t", 1);

        Assert.Equal([("work:t", 3), ("agent:a", WakeUpSignals.All)], published);
    }

    [Theory]
    [InlineData("r1|3|work:t", "r1", "work:t", 3)]
    [InlineData("r1|*|logs:j|x", "r1", "logs:j|x", WakeUpSignals.All)]
    public void Bridge_payloads_round_trip(string payload, string replica, string topic, int count)
    {
        Assert.True(PostgresWakeUpBridge.TryParse(payload, out var r, out var t, out var c));
        Assert.Equal((replica, topic, count), (r, t, c));
        Assert.Equal(payload, PostgresWakeUpBridge.Format(r, t, c));
    }

    [Theory]
    [InlineData("")]
    [InlineData("r1|work:t")]
    [InlineData("r1|0|work:t")]
    [InlineData("r1|-2|work:t")]
    [InlineData("|1|work:t")]
    [InlineData("r1|1|")]
    public void Bridge_refuses_malformed_payloads(string payload) =>
        Assert.False(PostgresWakeUpBridge.TryParse(payload, out _, out _, out _));

    [Fact]
    public void Bridge_merges_counts_of_one_topic_and_keeps_all_as_all()
    {
        Assert.Equal(5, PostgresWakeUpBridge.Merge(2, 3));
        Assert.Equal(WakeUpSignals.All, PostgresWakeUpBridge.Merge(2, WakeUpSignals.All));
        Assert.Equal(WakeUpSignals.All - 1, PostgresWakeUpBridge.Merge(WakeUpSignals.All - 1, 7));
    }
}
