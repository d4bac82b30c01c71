namespace Baton.Core.Metrics;

/// <summary>
/// Which tenants get their own value of a metric's <c>tenant</c> label, so that 10,000 tenants cannot blow up a
/// scrape: the <c>limit</c> most active tenants (activity = pending + assigned + running jobs + online agents, ties
/// broken by name so every replica picks the same ones from the same figures) keep their name; every other tenant is
/// counted under <see cref="Other"/>. Tenants without any activity never get a label of their own.
/// </summary>
public static class TenantLabelRule
{
    /// <summary>
    /// The label of the tenants outside the chosen ones. Tenant names are lower-case letters, digits and dashes, so
    /// no tenant can be named like this.
    /// </summary>
    public const string Other = "_other";

    /// <summary>The names of the tenants that keep their own label, most active first.</summary>
    public static IReadOnlyList<string> Choose(IEnumerable<TenantActivity> tenants, int limit)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return tenants
            .Where(tenant => tenant.Activity > 0)
            .OrderByDescending(tenant => tenant.Activity)
            .ThenBy(tenant => tenant.Name, StringComparer.Ordinal)
            .Take(limit)
            .Select(tenant => tenant.Name)
            .ToList();
    }
}

/// <summary>A tenant's name and how much it has going on now.</summary>
public sealed record TenantActivity(string Name, long Activity);
