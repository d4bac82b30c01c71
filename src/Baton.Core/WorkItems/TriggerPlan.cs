namespace Baton.Core.WorkItems;

/// <summary>
/// A trigger's slot as the plan sees it: its latest generation and whether that generation's job is still active, or how
/// it ended (a job that failed or timed out waits longer before its slot is refilled).
/// </summary>
public sealed record TriggerSlotState(int Slot, long Generation, bool Active, bool Failed, DateTimeOffset? EndedAt);

/// <summary>A slot to start a job in: the job takes generation <see cref="Generation"/>, moving the slot on from <see cref="ExpectedGeneration"/>.</summary>
public sealed record TriggerSlotStart(int Slot, long ExpectedGeneration)
{
    public long Generation => ExpectedGeneration + 1;
}

/// <summary>
/// Which jobs a work-item queue trigger starts now. While at least <c>minItems</c> items wait, it keeps up to
/// <c>maxJobs</c> jobs active, and never more jobs than items waiting beyond those already active. Each job fills a
/// slot 0..maxJobs-1 whose previous job has ended; a slot whose job ended a moment ago waits
/// <c>restartDelay</c> (<c>failureDelay</c> when that job failed or timed out), so a consumer that ends without
/// taking items, or one that crashes, does not start a job every tick.
/// </summary>
public static class TriggerPlan
{
    public const int MaxJobsLimit = 100;
    public const int MinItemsLimit = 10_000;

    public static IReadOnlyList<TriggerSlotStart> Decide(
        int maxJobs, int minItems, long pending, IReadOnlyList<TriggerSlotState> slots, DateTimeOffset now, TimeSpan restartDelay, TimeSpan failureDelay)
    {
        if (pending <= 0 || pending < minItems) return [];
        var active = slots.Count(s => s.Active);
        var wanted = (int)Math.Min(maxJobs - active, pending);
        if (wanted <= 0) return [];
        var bySlot = slots.ToDictionary(s => s.Slot);
        var starts = new List<TriggerSlotStart>(wanted);
        for (var slot = 0; slot < maxJobs && starts.Count < wanted; slot++)
        {
            if (!bySlot.TryGetValue(slot, out var state))
            {
                starts.Add(new TriggerSlotStart(slot, 0));
                continue;
            }
            if (state.Active) continue;
            var wait = state.Failed ? failureDelay : restartDelay;
            if (state.EndedAt is { } ended && now - ended < wait) continue;
            starts.Add(new TriggerSlotStart(slot, state.Generation));
        }
        return starts;
    }

    /// <summary>
    /// The idempotency key of a slot's generation: whoever submits it (another replica, this one again after a crash
    /// before the slot moved) gets the same job.
    /// </summary>
    public static string IdempotencyKey(string triggerId, int slot, long generation) => $"workitem-trigger:{triggerId}:{slot}:{generation}";
}
