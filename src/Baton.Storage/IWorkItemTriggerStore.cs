using Baton.Storage.Model;

namespace Baton.Storage;

/// <summary>
/// Work-item queue triggers: per queue, a package and how many of its jobs may work the queue at once. Jobs are started
/// by the scheduler role (<c>WorkItemTriggerService</c>): it reads the triggers with demand, submits each job with the
/// idempotency key of its slot's next generation, and moves the slot with <see cref="AdvanceSlotAsync"/>, a
/// compare-and-set on the generation — so replicas racing on one slot make one job, never more than the maximum.
/// </summary>
public interface IWorkItemTriggerStore
{
    /// <summary>
    /// Creates the queue's trigger, or changes it (its id, slots and jobs stay: a lower maximum starts no new job until
    /// enough have ended). Returns the stored trigger and whether it was created.
    /// </summary>
    Task<(WorkItemTriggerRecord Trigger, bool Created)> SaveAsync(WorkItemTriggerRecord trigger, CancellationToken cancellationToken);

    Task<WorkItemTriggerRecord?> GetAsync(string tenantId, string queue, CancellationToken cancellationToken);

    /// <summary>The tenant's triggers, by queue.</summary>
    Task<IReadOnlyList<WorkItemTriggerRecord>> ListAsync(string tenantId, CancellationToken cancellationToken);

    /// <summary>Removes the trigger and forgets its slots (the jobs it started run on).</summary>
    Task<bool> DeleteAsync(string tenantId, string queue, CancellationToken cancellationToken);

    /// <summary>The trigger's slots, by number, with their jobs' states.</summary>
    Task<IReadOnlyList<WorkItemTriggerSlot>> ListSlotsAsync(string tenantId, string queue, CancellationToken cancellationToken);

    /// <summary>
    /// Across tenants (the scheduler): up to <paramref name="limit"/> triggers whose queue has at least their minimum of
    /// items waiting (counted up to <paramref name="countCap"/>) and fewer active jobs than their maximum, with their slots.
    /// </summary>
    Task<IReadOnlyList<WorkItemTriggerDemand>> ListDemandAsync(int limit, int countCap, CancellationToken cancellationToken);

    /// <summary>
    /// Moves the slot from <see cref="WorkItemTriggerStart.ExpectedGeneration"/> (0: the slot was never used) to the next
    /// generation with the job, if the trigger is still the one that id names and nobody moved the slot first; records
    /// the start on the trigger. False when another replica got there first (or the trigger was deleted or recreated).
    /// </summary>
    Task<bool> AdvanceSlotAsync(WorkItemTriggerStart start, CancellationToken cancellationToken);

    /// <summary>Records why a start was refused (null clears it).</summary>
    Task RecordErrorAsync(string tenantId, string queue, string triggerId, string? error, CancellationToken cancellationToken);
}
