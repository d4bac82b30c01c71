using System.Collections.Concurrent;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Tenancy;

/// <summary>Tenant records (tier and quotas) cached for a few seconds: read on every request, changed rarely.</summary>
public sealed class TenantDirectory(IBatonStore store, TimeProvider time)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<string, (TenantRecord? Tenant, DateTimeOffset At)> _cache = new();

    public async Task<TenantRecord?> GetAsync(string tenantId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(tenantId, out var hit) && now - hit.At < Lifetime) return hit.Tenant;
        var tenant = await store.Tenants.GetAsync(tenantId, cancellationToken);
        _cache[tenantId] = (tenant, now);
        return tenant;
    }

    public void Invalidate(string tenantId) => _cache.TryRemove(tenantId, out _);
}
