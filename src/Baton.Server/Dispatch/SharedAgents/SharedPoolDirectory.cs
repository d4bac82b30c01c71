using Baton.Core.Dispatch.FairShare;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Dispatch.SharedAgents;

/// <summary>
/// The tenants that take part in the shared agent pool (shared-pool weight above zero), cached for a
/// couple of seconds: every shared agent's poll reads it, a weight changes rarely.
/// </summary>
public sealed class SharedPoolDirectory(IBatonStore store, TimeProvider time)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(2);
    private (IReadOnlyList<TenantRecord> Tenants, DateTimeOffset At)? _cache;

    public async Task<IReadOnlyList<TenantRecord>> ListParticipantsAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_cache is { } hit && now - hit.At < Lifetime) return hit.Tenants;
        var tenants = (await store.Tenants.ListAsync(cancellationToken))
            .Where(t => !SharedPool.IsShared(t.Id) && t.Quotas.SharedPoolWeight > 0)
            .ToList();
        _cache = (tenants, now);
        return tenants;
    }

    /// <summary>After a tenant's weight or tier changed: the next read goes to the store.</summary>
    public void Invalidate() => _cache = null;
}
