namespace Baton.Core.Dispatch;

/// <summary>
/// One queue's dispatch limits at claim time. <see cref="Room"/> is how many more of its jobs may be
/// active (null: no cap). <see cref="AgentGroups"/> empty means every agent group serves it.
/// <see cref="ReservedSlots"/> of the tenant's concurrency cap are held for this queue's jobs with a
/// priority of at least <see cref="ReservedMinPriority"/>: its lower jobs are claimed only while more
/// than that many of the tenant's slots are free.
/// </summary>
public sealed record QueueLimits(
    string Name,
    int Priority,
    bool Paused,
    long? Room,
    IReadOnlyList<string> AgentGroups,
    int ReservedSlots = 0,
    int ReservedMinPriority = 0)
{
    public bool IsServedBy(string agentGroup) => AgentGroupNames.Serves(AgentGroups, agentGroup);

    /// <summary>Whether a job of this queue with <paramref name="jobPriority"/> must leave the reserved slots free.</summary>
    public bool MustLeaveReserve(int jobPriority) => ReservedSlots > 0 && jobPriority < ReservedMinPriority;
}
