namespace Baton.Core.Dispatch.FairShare;

/// <summary>
/// The shared agent pool: agents that belong to no customer tenant and serve every tenant whose
/// shared-pool weight is above zero. They are stored under a reserved system tenant row (created
/// by a migration) so that Row-Level Security still holds for every agent row.
/// </summary>
public static class SharedPool
{
    /// <summary>The reserved tenant that owns shared agents and shared enrollment tokens. It owns no jobs.</summary>
    public const string TenantId = "t_shared_pool";

    /// <summary>The reserved tenant's name; no customer tenant can take it.</summary>
    public const string TenantName = "shared-pool";

    public static bool IsShared(string tenantId) => string.Equals(tenantId, TenantId, StringComparison.Ordinal);
}
