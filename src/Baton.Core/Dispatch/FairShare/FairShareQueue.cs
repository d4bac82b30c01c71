namespace Baton.Core.Dispatch.FairShare;

/// <summary>
/// Ranks tenants for the free slots of a shared agent: effective priority of each tenant's best ready
/// job first; among equal priorities the tenant with the lowest fair share — agent-seconds used over
/// its weight — then the oldest job. Each pick charges the tenant <c>chargePerPick</c> agent-seconds
/// (an estimate of the time the job will take) and counts it as active, so successive picks in one
/// decision spread across tenants and never take a tenant past its concurrency cap. Tenants with
/// weight 0 are never served. Pure and deterministic: no I/O, no clock.
/// </summary>
public sealed class FairShareQueue
{
    private readonly List<TenantState> _tenants;
    private readonly double _chargePerPick;

    public FairShareQueue(IEnumerable<FairShareTenant> tenants, double chargePerPick)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        ArgumentOutOfRangeException.ThrowIfNegative(chargePerPick);
        _chargePerPick = chargePerPick;
        _tenants = tenants
            .Where(t => t.Weight > 0 && !double.IsNaN(t.Weight))
            .Select(t => new TenantState(t))
            .ToList();
    }

    /// <summary>The fair share of a tenant: lower is served first.</summary>
    public static double ShareOf(double usedAgentSeconds, double weight) =>
        weight > 0 ? Math.Max(0, usedAgentSeconds) / weight : double.PositiveInfinity;

    /// <summary>The agent-seconds the tenant has been charged so far, including this decision's picks.</summary>
    public double UsedAgentSeconds(string tenantId) => Find(tenantId)?.Used ?? 0;

    /// <summary>Takes the best job for the next free slot; false when no tenant may take one.</summary>
    public bool TryPick(out FairSharePick pick)
    {
        TenantState? best = null;
        foreach (var tenant in _tenants)
        {
            if (!tenant.CanTake) continue;
            if (best is null || Compare(tenant, best) < 0) best = tenant;
        }
        if (best is null)
        {
            pick = null!;
            return false;
        }
        var job = best.Take(_chargePerPick);
        pick = new FairSharePick(best.Tenant.TenantId, job);
        return true;
    }

    /// <summary>Up to <paramref name="slots"/> picks in order.</summary>
    public IReadOnlyList<FairSharePick> PickMany(int slots)
    {
        var picks = new List<FairSharePick>();
        while (picks.Count < slots && TryPick(out var pick)) picks.Add(pick);
        return picks;
    }

    /// <summary>A tenant whose claim came back short (its jobs were taken, its queues are full): skip it from now on.</summary>
    public void Exclude(string tenantId)
    {
        if (Find(tenantId) is { } tenant) tenant.Excluded = true;
    }

    /// <summary>Gives back a pick that was not claimed after all (its charge and active count).</summary>
    public void Refund(string tenantId, int picks)
    {
        if (Find(tenantId) is { } tenant) tenant.Refund(picks, _chargePerPick);
    }

    private TenantState? Find(string tenantId) =>
        _tenants.Find(t => string.Equals(t.Tenant.TenantId, tenantId, StringComparison.Ordinal));

    private static int Compare(TenantState a, TenantState b)
    {
        var byPriority = b.Head.Priority.CompareTo(a.Head.Priority);
        if (byPriority != 0) return byPriority;
        var byShare = ShareOf(a.Used, a.Tenant.Weight).CompareTo(ShareOf(b.Used, b.Tenant.Weight));
        if (byShare != 0) return byShare;
        var byAge = a.Head.SubmittedAt.CompareTo(b.Head.SubmittedAt);
        if (byAge != 0) return byAge;
        return string.CompareOrdinal(a.Tenant.TenantId, b.Tenant.TenantId);
    }

    private sealed class TenantState(FairShareTenant tenant)
    {
        private int _next;

        public FairShareTenant Tenant { get; } = tenant;
        public double Used { get; private set; } = tenant.UsedAgentSeconds;
        public int Active { get; private set; } = tenant.ActiveJobs;
        public bool Excluded { get; set; }

        public bool CanTake => !Excluded && Active < Tenant.ConcurrencyLimit && _next < Tenant.Ready.Count;

        public FairShareJob Head => Tenant.Ready[_next];

        public FairShareJob Take(double charge)
        {
            var job = Tenant.Ready[_next++];
            Active++;
            Used += charge;
            return job;
        }

        public void Refund(int picks, double charge)
        {
            Active = Math.Max(Tenant.ActiveJobs, Active - picks);
            Used = Math.Max(Tenant.UsedAgentSeconds, Used - picks * charge);
        }
    }
}
