using Baton.Storage.Model;

namespace Baton.Storage;

/// <summary>
/// Tenant-owned named queues. Claims read them in the claim transaction: paused queues and
/// queues at their concurrency cap are skipped, and a queue's priority is added to its jobs'.
/// </summary>
public interface IQueueStore
{
    /// <summary>Creates the queue unless the name is taken or the tenant already has <paramref name="maxQueues"/> queues (checked atomically).</summary>
    Task<QueueCreateResult> CreateAsync(QueueRecord queue, int maxQueues, CancellationToken cancellationToken);
    Task<QueueRecord?> GetAsync(string tenantId, string name, CancellationToken cancellationToken);
    /// <summary>By name.</summary>
    Task<IReadOnlyList<QueueRecord>> ListAsync(string tenantId, CancellationToken cancellationToken);
    /// <summary>Null when the queue does not exist.</summary>
    Task<QueueRecord?> UpdateAsync(string tenantId, string name, QueueUpdate update, CancellationToken cancellationToken);
    /// <summary>The queue's assigned and running jobs.</summary>
    Task<int> CountActiveAsync(string tenantId, string name, CancellationToken cancellationToken);
    /// <summary>
    /// Ready pending jobs of the tenant (in unpaused queues) that come before <paramref name="job"/> in
    /// claim order: a higher effective priority (job + queue), or the same and submitted earlier.
    /// </summary>
    Task<int> CountAheadAsync(JobRecord job, int queuePriority, CancellationToken cancellationToken);
}
