using Baton.Core.WorkItems;

namespace Baton.Core.Tests.WorkItems;

/// <summary>Which slots a work-item queue trigger fills: up to its maximum, no more than items wait, ended slots after their delay.</summary>
public sealed class TriggerPlanTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Restart = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Failure = TimeSpan.FromSeconds(60);

    private static IReadOnlyList<(int Slot, long Expected)> Decide(int maxJobs, int minItems, long pending, params TriggerSlotState[] slots) =>
        [.. TriggerPlan.Decide(maxJobs, minItems, pending, slots, Now, Restart, Failure).Select(s => (s.Slot, s.ExpectedGeneration))];

    private static TriggerSlotState Active(int slot, long generation) => new(slot, generation, true, false, null);

    private static TriggerSlotState Ended(int slot, long generation, TimeSpan ago, bool failed = false) => new(slot, generation, false, failed, Now - ago);

    [Fact]
    public void Nothing_starts_below_the_minimum_of_waiting_items()
    {
        Assert.Empty(Decide(3, 5, 4));
        Assert.Empty(Decide(3, 1, 0));
        Assert.Equal([(0, 0L), (1, 0L), (2, 0L)], Decide(3, 5, 5));
    }

    [Fact]
    public void Never_more_jobs_than_the_maximum_counting_the_active_ones_nor_than_items_waiting()
    {
        Assert.Equal([(1, 0L), (3, 0L)], Decide(4, 1, 100, Active(0, 3), Active(2, 1)));
        Assert.Empty(Decide(2, 1, 100, Active(0, 1), Active(1, 1)));
        Assert.Equal([(0, 0L)], Decide(4, 1, 1));
        // A lower maximum leaves the jobs above it running and starts none until enough have ended.
        Assert.Empty(Decide(2, 1, 100, Active(3, 1), Active(4, 1)));
    }

    [Fact]
    public void An_ended_slot_is_refilled_after_its_delay_with_its_next_generation()
    {
        Assert.Equal([(0, 7L)], Decide(1, 1, 10, Ended(0, 7, TimeSpan.FromSeconds(6))));
        Assert.Empty(Decide(1, 1, 10, Ended(0, 7, TimeSpan.FromSeconds(4))));
        Assert.Empty(Decide(1, 1, 10, Ended(0, 7, TimeSpan.FromSeconds(30), failed: true)));
        Assert.Equal([(0, 7L)], Decide(1, 1, 10, Ended(0, 7, TimeSpan.FromSeconds(61), failed: true)));
        // A slot whose job is gone (no end known) is free at once; a waiting slot does not hold up the others.
        Assert.Equal([(0, 2L), (2, 0L)], Decide(3, 1, 10, new TriggerSlotState(0, 2, false, false, null), Ended(1, 1, TimeSpan.FromSeconds(1))));
    }

    [Fact]
    public void The_idempotency_key_names_the_trigger_the_slot_and_the_generation()
    {
        Assert.Equal("workitem-trigger:wit_1:2:5", TriggerPlan.IdempotencyKey("wit_1", 2, 5));
        Assert.Equal(6, new TriggerSlotStart(2, 5).Generation);
    }
}
