namespace Baton.Core.Dispatch;

/// <summary>
/// Everything a claim must respect besides the jobs themselves: the tenant's free concurrency slots
/// (cap minus active jobs), the agent's budget, the tenant's queues by name (a job of a queue not
/// listed is treated as open) and the time, for the locality rule.
/// </summary>
public sealed record ClaimLimits(
    int TenantFreeSlots,
    AgentBudget Agent,
    IReadOnlyDictionary<string, QueueLimits> Queues,
    DateTimeOffset Now)
{
    /// <summary>How many ranks (from the best claimable job) locality may look through for a cached package.</summary>
    public int LocalityWindow { get; init; } = JobChooser.DefaultLocalityWindow;

    /// <summary>A best job older than this is taken at once: locality never delays a job past it.</summary>
    public TimeSpan LocalityMaxWait { get; init; } = JobChooser.DefaultLocalityMaxWait;
}
