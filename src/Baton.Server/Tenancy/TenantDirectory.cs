using Baton.Storage;
using Baton.Server.Security;
using Baton.Storage.Model;

namespace Baton.Server.Tenancy;

/// <summary>Tenant records (tier and quotas) cached for a few seconds: read on every request, changed rarely.</summary>
/// <remarks>One read per tenant in flight (<see cref="SingleFlightCache{TValue}"/>): an expired entry behind a queue of the tenant's requests costs one read.</remarks>
public sealed class TenantDirectory(IBatonStore store, TimeProvider time)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);
    private readonly SingleFlightCache<TenantRecord?> _cache = new(
        Lifetime, time, 100_000, tenantId => store.Tenants.GetAsync(tenantId, CancellationToken.None));

    public Task<TenantRecord?> GetAsync(string tenantId, CancellationToken cancellationToken) => _cache.GetAsync(tenantId, cancellationToken);

    public void Invalidate(string tenantId) => _cache.Invalidate(tenantId);
}
