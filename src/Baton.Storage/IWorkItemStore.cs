using Baton.Storage.Model;

namespace Baton.Storage;

/// <summary>
/// Work-item queues (transaction queues): tenant-owned items with a payload, an optional unique reference,
/// a priority, a deadline and a per-item attempt count, consumed by jobs one lease at a time. A queue exists
/// while it holds items. Claims skip rows another claimer holds (PostgreSQL) or run under the single writer
/// (SQLite), so an item is never leased twice at once; an expired lease returns the item to the queue.
/// </summary>
public interface IWorkItemStore
{
    /// <summary>
    /// Adds the items in one transaction, all or none: when a reference already exists in its queue nothing is
    /// added and the outcome names the duplicates.
    /// </summary>
    Task<WorkItemAddOutcome> AddAsync(string tenantId, IReadOnlyList<NewWorkItem> items, CancellationToken cancellationToken);

    /// <summary>
    /// Leases the queue's next item to <paramref name="holder"/> until now + <paramref name="lease"/> (highest priority,
    /// then earliest deadline, then oldest), counting an attempt; items of the queue whose lease expired are settled first
    /// (back to pending, or failed when their attempts are spent). Null when nothing waits.
    /// </summary>
    Task<ClaimedWorkItem?> ClaimAsync(string tenantId, string queue, WorkItemHolder holder, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Ends the attempt if the item is still leased to the holder with that token.</summary>
    Task<WorkItemCompleteResult> CompleteAsync(WorkItemCompletion completion, CancellationToken cancellationToken);

    /// <summary>Extends the leases of every item the holder has in progress; returns how many.</summary>
    Task<int> RenewAsync(string tenantId, WorkItemHolder holder, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>The holder's job ended: its items in progress go back to the queue (an application failure of that attempt).</summary>
    Task<int> ReleaseAsync(string tenantId, WorkItemHolder holder, string reason, CancellationToken cancellationToken);

    /// <summary>Across tenants (the janitor): settles up to <paramref name="max"/> items whose lease expired.</summary>
    Task<int> ExpireLeasesAsync(int max, CancellationToken cancellationToken);

    Task<WorkItemRecord?> GetAsync(string tenantId, string itemId, CancellationToken cancellationToken);

    /// <summary>Oldest first (by id); <paramref name="after"/> (an item id) pages on.</summary>
    Task<IReadOnlyList<WorkItemRecord>> ListAsync(
        string tenantId, string queue, WorkItemState? state, int limit, string? after, CancellationToken cancellationToken);

    /// <summary>The item's history, oldest first.</summary>
    Task<IReadOnlyList<WorkItemEvent>> ListEventsAsync(string tenantId, string itemId, CancellationToken cancellationToken);

    /// <summary>Counts per queue of the tenant (one queue when <paramref name="queue"/> is given), by name.</summary>
    Task<IReadOnlyList<WorkItemQueueStats>> StatsAsync(string tenantId, string? queue, CancellationToken cancellationToken);

    /// <summary>Across tenants (metrics): the waiting items per tenant and queue.</summary>
    Task<IReadOnlyList<WorkItemDepth>> ReadDepthsAsync(CancellationToken cancellationToken);
}
