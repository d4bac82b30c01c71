using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Baton.Bench.Agents;
using Baton.Bench.Hosting;
using Baton.Bench.Metrics;
using Baton.Core.Api;

namespace Baton.Bench.Scenarios;

/// <summary>
/// Fair share on a shared agent pool: tenant A floods the queue, the shared agents start working through
/// it, then tenant B submits a few jobs. With fair share B's jobs go ahead of A's backlog:
/// <c>tenant_b_wait_ms</c> is B's submit → assignment received by a shared agent (server clock to agent
/// clock, as in <c>dispatch</c>), and <c>tenant_a_throughput_jobs_per_s</c> is what A kept getting meanwhile.
/// </summary>
public sealed class FairnessScenario : IBenchScenario
{
    private const int SlotsPerAgent = 4;
    private const int SubmitParallelism = 16;

    public string Name => "fairness";

    public string Description => "Tenant A floods 10,000 jobs onto shared agents, then tenant B submits 100: B's wait and A's throughput.";

    public async Task<BenchResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var floodJobs = settings.JobsOr(10_000, 2_000);
        var lateJobs = 100;
        var lateRate = settings.RateOr(100, 100);
        var agentCount = settings.AgentsOr(20, 10);
        var tenantA = context.Tenant;
        using var tenantB = await BenchTenant.CreateAsync(context.Target, cancellationToken);

        context.Progress($"registering {agentCount} shared agents × {SlotsPerAgent} slots");
        var token = await CreateSharedTokenAsync(context.Target, cancellationToken);
        var agents = await SimulatedAgent.RegisterFleetAsync(context.AgentHttp, token, agentCount, SlotsPerAgent, cancellationToken);

        context.Progress($"tenant A submits {floodJobs} jobs");
        var aIds = new ConcurrentDictionary<string, bool>();
        var errors = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, floodJobs), new ParallelOptions { MaxDegreeOfParallelism = SubmitParallelism, CancellationToken = cancellationToken },
            async (_, ct) =>
            {
                using var response = await tenantA.SubmitAsync(ct);
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref errors);
                    return;
                }
                aIds[(await response.Content.ReadFromJsonAsync<JobDto>(BenchHttp.Json, ct))!.Id] = true;
            });

        var probe = new FleetProbe(context.Time);
        using var stopAgents = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var start = Stopwatch.GetTimestamp();
        var running = agents.Select(a => Task.Run(() => a.RunAsync(AgentBehaviour.CompleteAtOnce, probe, stopAgents.Token), CancellationToken.None)).ToList();
        // The pool is busy with A's backlog before B arrives.
        while (probe.Completed < Math.Min(200, floodJobs / 4) && Stopwatch.GetElapsedTime(start) < TimeSpan.FromSeconds(30)) await Task.Delay(10, cancellationToken);

        context.Progress($"tenant B submits {lateJobs} jobs at {lateRate}/s while A has {floodJobs - probe.Completed} waiting");
        var bSubmitted = new ConcurrentDictionary<string, DateTimeOffset>();
        var aBacklogAtB = floodJobs - probe.Completed;
        var bStart = Stopwatch.GetTimestamp();
        var aReceivedBeforeB = aIds.Keys.Count(probe.ReceivedAt.ContainsKey);
        await OpenLoop.RunAsync(lateJobs, lateRate, async (_, _) =>
        {
            using var response = await tenantB.SubmitAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref errors);
                return;
            }
            var job = (await response.Content.ReadFromJsonAsync<JobDto>(BenchHttp.Json, cancellationToken))!;
            bSubmitted[job.Id] = job.SubmittedAt;
        }, cancellationToken);

        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 60;
        while (bSubmitted.Keys.Any(id => !probe.ReceivedAt.ContainsKey(id)) && Stopwatch.GetTimestamp() < deadline) await Task.Delay(10, cancellationToken);
        var bWindow = Stopwatch.GetElapsedTime(bStart).TotalSeconds;
        var aReceivedDuringB = aIds.Keys.Count(probe.ReceivedAt.ContainsKey) - aReceivedBeforeB;

        while (probe.Completed < aIds.Count + bSubmitted.Count && Stopwatch.GetTimestamp() < deadline) await Task.Delay(20, cancellationToken);
        var wall = Stopwatch.GetElapsedTime(start, probe.LastCompletedTimestamp > start ? probe.LastCompletedTimestamp : Stopwatch.GetTimestamp()).TotalSeconds;
        var aCompleted = aIds.Keys.Count(probe.ReceivedAt.ContainsKey);
        await stopAgents.CancelAsync();
        await Task.WhenAll(running);

        var waits = bSubmitted.Where(b => probe.ReceivedAt.ContainsKey(b.Key))
            .Select(b => (probe.ReceivedAt[b.Key] - b.Value).TotalMilliseconds).ToArray();
        var result = new BenchResult(Name, context.Target.Backend)
            .Add("tenant_b_wait_ms", Percentiles.FromSamples(waits))
            .Add("tenant_a_throughput_jobs_per_s", wall > 0 ? aCompleted / wall : 0)
            .Add("tenant_a_throughput_while_b_waits_jobs_per_s", bWindow > 0 ? aReceivedDuringB / bWindow : 0)
            .Add("tenant_a_backlog_when_b_submits", aBacklogAtB)
            .Add("tenant_b_jobs_assigned", waits.Length)
            .Add("errors", errors + probe.Errors)
            .Note($"{agentCount} shared agents × {SlotsPerAgent} slots; tenant A submits {floodJobs} jobs, then tenant B {lateJobs} at {lateRate}/s; both weight 8 (enterprise).")
            .Note("tenant_b_wait_ms: server submittedAt → assignment received by a shared agent. Jobs complete at once, so A's fair share is small but B's starts at zero.");
        if (context.Target.IsRemote) result.Note("Remote server: tenant_b_wait_ms compares the server's clock with this machine's.");
        return result;
    }

    private static async Task<string> CreateSharedTokenAsync(BenchTarget target, CancellationToken cancellationToken)
    {
        using var admin = BenchHttp.CreateClient(target.BaseAddress);
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", target.AdminKey);
        var created = await BenchTenant.ReadAsync<CreatedEnrollmentTokenDto>(
            await admin.PostAsJsonAsync("/api/v1/shared-pool/enrollment-tokens", new CreateEnrollmentTokenRequest("bench shared pool"), BenchHttp.Json, cancellationToken),
            "create a shared-pool enrollment token (the key must be a system admin's)", cancellationToken);
        return created.Secret;
    }
}
