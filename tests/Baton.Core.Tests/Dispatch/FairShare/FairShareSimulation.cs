using Baton.Core.Dispatch.FairShare;

namespace Baton.Core.Tests.Dispatch.FairShare;

/// <summary>One simulated tenant: weight, cap, the run time of its jobs, when it starts submitting, and how many jobs it has.</summary>
public sealed record SimTenant(string Id, double Weight, int Cap, double MinSeconds, double MaxSeconds, double ArrivesAt = 0, int Jobs = int.MaxValue, int Priority = 0);

/// <summary>
/// A fleet of shared slots over simulated time, ranked by <see cref="FairShareQueue"/> exactly as the
/// server does: usage is per-second buckets over a sliding window plus the elapsed time of running jobs.
/// </summary>
public sealed class FairShareSimulation
{
    private const double Step = 0.25;
    private readonly IReadOnlyList<SimTenant> _tenants;
    private readonly int _slots;
    private readonly int _windowSeconds;
    private readonly Random _random;
    private readonly List<(int Tenant, double Start, double End)> _running = [];
    private readonly Dictionary<int, double>[] _buckets;
    private readonly int[] _submitted;
    private readonly int[] _started;

    public FairShareSimulation(IReadOnlyList<SimTenant> tenants, int slots, int windowSeconds, int seed)
    {
        _tenants = tenants;
        _slots = slots;
        _windowSeconds = windowSeconds;
        _random = new Random(seed);
        _buckets = [.. tenants.Select(_ => new Dictionary<int, double>())];
        _submitted = new int[tenants.Count];
        _started = new int[tenants.Count];
        AgentSeconds = new double[tenants.Count];
        StartTimes = [.. tenants.Select(_ => new List<double>())];
    }

    /// <summary>Agent-seconds each tenant used after <c>measureFrom</c>.</summary>
    public double[] AgentSeconds { get; }

    public List<double>[] StartTimes { get; }

    public int MaxRunningOverCap { get; private set; } = int.MinValue;

    public bool PrioritiesOutOfOrder { get; private set; }

    public int PicksOfZeroWeight { get; private set; }

    public void Run(double seconds, double measureFrom)
    {
        for (var now = 0.0; now < seconds; now += Step)
        {
            for (var i = _running.Count - 1; i >= 0; i--)
            {
                var run = _running[i];
                if (run.End > now) continue;
                Credit(run.Tenant, run.Start, run.End, measureFrom);
                _running.RemoveAt(i);
            }

            var free = _slots - _running.Count;
            if (free <= 0) continue;
            var states = new List<FairShareTenant>();
            for (var t = 0; t < _tenants.Count; t++)
            {
                var tenant = _tenants[t];
                if (now < tenant.ArrivesAt || _started[t] >= tenant.Jobs) continue;
                var ready = Enumerable.Range(_started[t], Math.Min(8, tenant.Jobs - _started[t]))
                    .Select(n => new FairShareJob($"{tenant.Id}-{n}", tenant.Priority, DateTimeOffset.UnixEpoch.AddSeconds(tenant.ArrivesAt + n * 0.001)))
                    .ToList();
                states.Add(new FairShareTenant(tenant.Id, tenant.Weight, Used(t, now), _running.Count(r => r.Tenant == t), tenant.Cap, ready));
            }

            var queue = new FairShareQueue(states, chargePerPick: 1);
            var picks = queue.PickMany(free);
            for (var p = 0; p < picks.Count; p++)
            {
                if (p > 0 && picks[p].Job.Priority > picks[p - 1].Job.Priority) PrioritiesOutOfOrder = true;
                var t = IndexOf(picks[p].TenantId);
                if (_tenants[t].Weight <= 0) PicksOfZeroWeight++;
                var tenant = _tenants[t];
                var duration = tenant.MinSeconds + _random.NextDouble() * (tenant.MaxSeconds - tenant.MinSeconds);
                _running.Add((t, now, now + duration));
                _started[t]++;
                StartTimes[t].Add(now);
            }
            for (var t = 0; t < _tenants.Count; t++)
            {
                MaxRunningOverCap = Math.Max(MaxRunningOverCap, _running.Count(r => r.Tenant == t) - _tenants[t].Cap);
            }
        }
    }

    private int IndexOf(string tenantId)
    {
        for (var i = 0; i < _tenants.Count; i++)
        {
            if (_tenants[i].Id == tenantId) return i;
        }
        throw new InvalidOperationException(tenantId);
    }

    private void Credit(int tenant, double start, double end, double measureFrom)
    {
        if (end > measureFrom) AgentSeconds[tenant] += end - Math.Max(start, measureFrom);
        for (var from = start; from < end;)
        {
            var second = (int)Math.Floor(from);
            var to = Math.Min(end, second + 1);
            _buckets[tenant][second] = _buckets[tenant].GetValueOrDefault(second) + (to - from);
            from = to;
        }
    }

    private double Used(int tenant, double now)
    {
        var windowStart = now - _windowSeconds;
        var used = 0.0;
        for (var second = (int)Math.Floor(windowStart); second <= (int)now; second++) used += _buckets[tenant].GetValueOrDefault(second);
        foreach (var run in _running)
        {
            if (run.Tenant == tenant) used += now - Math.Max(run.Start, windowStart);
        }
        return used;
    }
}
