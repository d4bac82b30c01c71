using System.Diagnostics;
using Baton.Bench.Agents;
using Baton.Bench.Hosting;

namespace Baton.Bench.Scenarios;

/// <summary>
/// The tenants and simulated agents of a dispatch-style run: the benchmark tenant and T − 1 more (each with the
/// no-op package), N agents registered round-robin over them, and jobs submitted round-robin.
/// </summary>
public sealed class BenchFleet : IDisposable
{
    private readonly IReadOnlyList<BenchTenant> _extra;

    private BenchFleet(IReadOnlyList<BenchTenant> tenants, IReadOnlyList<BenchTenant> extra, IReadOnlyList<SimulatedAgent> agents)
    {
        Tenants = tenants;
        _extra = extra;
        Agents = agents;
    }

    public IReadOnlyList<BenchTenant> Tenants { get; }

    public IReadOnlyList<SimulatedAgent> Agents { get; }

    public string WarmUpDescription { get; private set; } = "no warm-up";

    /// <summary>Submissions refused for backpressure and sent again, over every tenant.</summary>
    public int SubmitRetries => Tenants.Sum(t => t.SubmitRetries);

    public BenchTenant TenantFor(int jobIndex) => Tenants[jobIndex % Tenants.Count];

    public static async Task<BenchFleet> CreateAsync(BenchContext context, int tenantCount, int agentCount, int slotsPerAgent, CancellationToken cancellationToken)
    {
        var extra = new BenchTenant[tenantCount - 1];
        if (extra.Length > 0) context.Progress($"creating {extra.Length} more tenants");
        await Parallel.ForEachAsync(Enumerable.Range(0, extra.Length), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (i, ct) => extra[i] = await BenchTenant.CreateAsync(context.Target, ct));
        BenchTenant[] tenants = [context.Tenant, .. extra];

        context.Progress($"registering {agentCount} agents × {slotsPerAgent} slots");
        var agents = new SimulatedAgent[agentCount];
        await Parallel.ForEachAsync(Enumerable.Range(0, agentCount), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (i, ct) => agents[i] = await SimulatedAgent.RegisterAsync(context.AgentHttp, tenants[i % tenants.Length].EnrollmentToken, $"bench-{i:00000}", slotsPerAgent, ct));
        return new BenchFleet(tenants, extra, agents);
    }

    /// <summary>Every agent polling and handling jobs as <paramref name="behaviour"/> says, until cancelled.</summary>
    public List<Task> Run(AgentBehaviour behaviour, FleetProbe probe, CancellationToken cancellationToken) =>
        [.. Agents.Select(a => Task.Run(() => a.RunAsync(behaviour, probe, cancellationToken), CancellationToken.None))];

    /// <summary>How long the warm-up's jobs may take to finish after the last is submitted.</summary>
    private static readonly TimeSpan WarmUpDrainLimit = TimeSpan.FromMinutes(3);

    /// <summary>
    /// Warm-up jobs through every code path first, open-loop at half the measured rate, all finished before the measured
    /// run: a fresh server (and the simulators) compile and re-compile their hot code (tiered JIT, with dynamic PGO) for
    /// tens of seconds, which a long-running server has long done; figures should not include it. Full runs warm up for
    /// at least 20 s and 1,000 jobs; quick runs for 150 jobs.
    /// </summary>
    public async Task WarmUpAsync(BenchContext context, double rate, CancellationToken cancellationToken)
    {
        var quick = context.Settings.Quick;
        var minimum = quick ? TimeSpan.Zero : TimeSpan.FromSeconds(20);
        var jobs = quick ? 150 : Math.Max(1_000, (int)(rate / 2 * minimum.TotalSeconds));
        WarmUpDescription = $"{jobs} warm-up jobs at {rate / 2:0}/s";
        context.Progress($"warming up: {WarmUpDescription}, not measured");
        var probe = new FleetProbe(context.Time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = Run(AgentBehaviour.CompleteAtOnce, probe, stop.Token);
        var submitted = 0;
        await OpenLoop.RunAsync(jobs, rate / 2, async (index, _) =>
        {
            using var response = await TenantFor(index).SubmitAsync(cancellationToken);
            if (response.IsSuccessStatusCode) Interlocked.Increment(ref submitted);
        }, cancellationToken);
        // The measured run must start on an empty fleet: a warm-up job still queued would be dispatched, and counted,
        // inside it (a saturated multi-tenant fleet can take a minute to drain what was offered at half the rate).
        var waitStarted = Stopwatch.GetTimestamp();
        while (probe.Completed < submitted && Stopwatch.GetElapsedTime(waitStarted) < WarmUpDrainLimit)
        {
            await Task.Delay(20, cancellationToken);
        }
        await stop.CancelAsync();
        await Task.WhenAll(running);
        if (probe.Completed < submitted)
        {
            throw new InvalidOperationException(
                $"The warm-up's {submitted - probe.Completed} of {submitted} jobs were not done after {WarmUpDrainLimit.TotalSeconds:0} s; "
                + "a run measured on top of them would count them. Offer a lower --rate.");
        }
    }

    public void Dispose()
    {
        foreach (var tenant in _extra) tenant.Dispose();
    }
}
