using Baton.Core.Tenancy;
using Baton.Storage.Model;

namespace Baton.Storage;

public interface ITenantStore
{
    /// <summary>False when the name is taken.</summary>
    Task<bool> CreateAsync(TenantRecord tenant, CancellationToken cancellationToken);
    Task<TenantRecord?> GetAsync(string tenantId, CancellationToken cancellationToken);
    Task<TenantRecord?> GetByNameAsync(string name, CancellationToken cancellationToken);
    /// <summary>Every customer tenant by name; the shared agent pool's reserved tenant is not one of them.</summary>
    Task<IReadOnlyList<TenantRecord>> ListAsync(CancellationToken cancellationToken);
    /// <summary>Sets the tier and the (already merged) overrides; null when the tenant does not exist.</summary>
    Task<TenantRecord?> UpdateAsync(string tenantId, Tier tier, QuotaOverrides overrides, CancellationToken cancellationToken);

    /// <summary>Adds API calls counted in memory to the per-day totals (UTC day, yyyy-MM-dd).</summary>
    Task AddApiUsageAsync(IReadOnlyList<ApiUsageIncrement> increments, CancellationToken cancellationToken);
    Task<int> GetApiUsageAsync(string tenantId, string day, CancellationToken cancellationToken);
}

public sealed record ApiUsageIncrement(string TenantId, string Day, int Calls);
