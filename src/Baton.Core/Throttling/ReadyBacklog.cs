using System.Collections.Concurrent;

namespace Baton.Core.Throttling;

/// <summary>
/// An intake bound on the standing queue rather than on latency or on rates: while the server is saturated, a
/// tenant's submissions are refused once its jobs that are ready but not yet claimed exceed what its agents claim
/// in <see cref="Horizon"/> (never fewer than <see cref="FloorPerTenant"/>). Accepting a job costs CPU and a write;
/// a saturated server that keeps accepting more than its fleet takes spends on a growing backlog what would have
/// run jobs (congestion collapse). A backlog of a couple of seconds is all a fleet can use: beyond it, a new job
/// only waits longer.
/// </summary>
/// <remarks>
/// <para>Why a backlog and not a balance of admissions against completions: a bound on the rate admitted is
/// tightened by the dip it causes (fewer admitted, fewer to complete, fewer admitted), and a loaded fleet spirals
/// down along it. The backlog moves the other way: when the fleet drains it, it shrinks and intake opens again, and
/// a fleet with nothing ready is never refused. The claim rate it is measured against is the best of the last
/// <see cref="PeakMemory"/>, so a lull between waves of retried submissions does not shrink the bound either.</para>
/// <para>Per tenant, so one tenant's flood does not refuse another's submissions: a tenant with little waiting is
/// admitted whatever the others have queued.</para>
/// <para>The count is this replica's own estimate: jobs it accepted (and retries it put back to pending) less jobs
/// it claimed, corrected down whenever the store is read (<see cref="Observed"/>), which catches cancellations and
/// other replicas' claims. It errs toward admitting.</para>
/// Thread-safe; time comes from the injected <see cref="TimeProvider"/>.
/// </remarks>
public sealed class ReadyBacklog(TimeProvider time)
{
    /// <summary>The backlog a tenant may have: what its agents claim in this long.</summary>
    public static readonly TimeSpan Horizon = TimeSpan.FromSeconds(2);

    /// <summary>The least backlog a tenant may have, whatever its claim rate.</summary>
    public const int FloorPerTenant = 100;

    /// <summary>How long the best recent claim rate counts as what the tenant's fleet can take.</summary>
    public static readonly TimeSpan PeakMemory = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, TenantBacklog> _tenants = new(StringComparer.Ordinal);

    /// <summary>Jobs became ready for the tenant (accepted submissions, retries back in the queue).</summary>
    public void Added(string tenantId, int count = 1)
    {
        if (count > 0) For(tenantId).Add(count);
    }

    /// <summary>Jobs of the tenant were claimed by agents.</summary>
    public void Claimed(string tenantId, int count = 1)
    {
        if (count > 0) For(tenantId).Claim(count, time.GetUtcNow());
    }

    /// <summary>The store counted the tenant's pending jobs: the estimate is never above that.</summary>
    public void Observed(string tenantId, int pending) => For(tenantId).Observe(pending);

    /// <summary>The tenant's jobs ready and not yet claimed (this replica's estimate).</summary>
    public long Backlog(string tenantId) => _tenants.TryGetValue(tenantId, out var tenant) ? tenant.Count : 0;

    /// <summary>The backlog the tenant may have now.</summary>
    public long Bound(string tenantId) =>
        _tenants.TryGetValue(tenantId, out var tenant) ? tenant.Bound(time.GetUtcNow()) : FloorPerTenant;

    /// <summary>Whether <paramref name="count"/> more submissions of the tenant may be accepted now.</summary>
    /// <param name="saturated">Whether the server is saturated now; not saturated, a backlog costs nothing and intake is free.</param>
    public bool TryAdmit(string tenantId, int count, bool saturated)
    {
        if (!saturated) return true;
        if (!_tenants.TryGetValue(tenantId, out var tenant)) return true;
        var backlog = tenant.Count;
        // A batch larger than the bound is taken into an empty backlog, so it is never refused for good.
        return backlog == 0 || backlog + count <= tenant.Bound(time.GetUtcNow());
    }

    private TenantBacklog For(string tenantId) => _tenants.GetOrAdd(tenantId, _ => new TenantBacklog());

    private sealed class TenantBacklog
    {
        private readonly Lock _gate = new();
        private long _count;
        private long _second = long.MinValue;
        private int _claimsThisSecond;
        private double _peakRate;
        private long _peakSecond = long.MinValue;

        public long Count
        {
            get { lock (_gate) return _count; }
        }

        public void Add(int count)
        {
            lock (_gate) _count += count;
        }

        public void Claim(int count, DateTimeOffset now)
        {
            lock (_gate)
            {
                _count = Math.Max(0, _count - count);
                Roll(now);
                _claimsThisSecond += count;
            }
        }

        public void Observe(int pending)
        {
            lock (_gate) _count = Math.Min(_count, Math.Max(0, pending));
        }

        public long Bound(DateTimeOffset now)
        {
            lock (_gate)
            {
                Roll(now);
                return Math.Max(FloorPerTenant, (long)(_peakRate * Horizon.TotalSeconds));
            }
        }

        /// <summary>Closes the claim counts of whole seconds past into the peak (a second without claims counts as 0).</summary>
        private void Roll(DateTimeOffset now)
        {
            var second = now.ToUnixTimeMilliseconds() / 1000;
            if (second <= _second) return;
            if (_second != long.MinValue)
            {
                Record(_claimsThisSecond, _second);
                if (second > _second + 1) Record(0, second - 1);
            }
            _claimsThisSecond = 0;
            _second = second;
        }

        private void Record(double rate, long second)
        {
            if (rate >= _peakRate || second - _peakSecond > (long)PeakMemory.TotalSeconds)
            {
                _peakRate = rate;
                _peakSecond = second;
            }
        }
    }
}
