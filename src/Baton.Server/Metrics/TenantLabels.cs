using Baton.Core.Metrics;

namespace Baton.Server.Metrics;

/// <summary>
/// The <c>tenant</c> label of this replica's counters, chosen by the same rule as the fleet families
/// (<see cref="TenantLabelRule"/> over the latest <see cref="FleetSnapshot"/>), so a tenant has one label value
/// everywhere. Asking never waits: a stale snapshot is re-read in the background. Counter series of a tenant that
/// lost its label are dropped once it has been without one for <see cref="Retention"/> (so the bound holds as the
/// most active tenants change; a series that comes back starts again at zero, which <c>rate()</c> handles).
/// </summary>
public sealed class TenantLabels(FleetSnapshotCache fleet, TimeProvider time)
{
    public static readonly TimeSpan Retention = TimeSpan.FromMinutes(10);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _lastLabelled = new(StringComparer.Ordinal);
    private FleetSnapshot? _seen;

    public string For(string tenantId)
    {
        fleet.RefreshInBackgroundIfStale();
        return fleet.Latest?.TenantLabel(tenantId) ?? TenantLabelRule.Other;
    }

    /// <summary>Label values (tenant names) whose counter series should go: unlabelled for longer than <see cref="Retention"/>.</summary>
    public IReadOnlySet<string> Expired()
    {
        var latest = fleet.Latest;
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (latest is not null && !ReferenceEquals(latest, _seen))
            {
                foreach (var name in latest.LabelledTenants) _lastLabelled[name] = now;
                _seen = latest;
            }
            var expired = _lastLabelled.Where(pair => now - pair.Value > Retention).Select(pair => pair.Key).ToHashSet(StringComparer.Ordinal);
            foreach (var name in expired) _lastLabelled.Remove(name);
            return expired;
        }
    }
}
