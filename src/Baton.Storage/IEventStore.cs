using Baton.Storage.Model;

namespace Baton.Storage;

/// <summary>
/// The per-tenant event log (an outbox). Stores also append to it inside their own transactions
/// (a job's final transition, an agent going offline or back online), so an event exists exactly
/// when its cause was committed.
/// </summary>
public interface IEventStore
{
    /// <summary>
    /// Appends an event. With <paramref name="onceWithin"/>, appends nothing (returns null) when the
    /// tenant already has an event of the same type and subject that recent — decided atomically,
    /// so replicas do not flood.
    /// </summary>
    Task<TenantEventRecord?> AppendAsync(NewTenantEvent tenantEvent, TimeSpan? onceWithin, CancellationToken cancellationToken);

    /// <summary>The tenant's events after <paramref name="afterId"/>, oldest first, optionally of some types only.</summary>
    Task<IReadOnlyList<TenantEventRecord>> ListAsync(
        string tenantId, long afterId, IReadOnlyList<string>? types, int limit, CancellationToken cancellationToken);

    /// <summary>The id of the tenant's newest event (0 when none).</summary>
    Task<long> GetLatestIdAsync(string tenantId, CancellationToken cancellationToken);
}
