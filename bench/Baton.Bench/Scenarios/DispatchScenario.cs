using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using Baton.Bench.Agents;
using Baton.Bench.Hosting;
using Baton.Bench.Metrics;
using Baton.Core.Api;

namespace Baton.Bench.Scenarios;

/// <summary>
/// M no-op jobs submitted open-loop at rate R, spread round-robin over T tenants (<c>--tenants</c>, default 1),
/// while N simulated agents (at least one per tenant) long-poll, start and complete them.
/// <c>submit_to_assign_ms</c> runs from the server's <c>submittedAt</c> to the moment an agent received the
/// assignment (client clock; the same clock as the server's when in process).
/// </summary>
public sealed class DispatchScenario : IBenchScenario
{
    private const int SlotsPerAgent = 4;

    public string Name => "dispatch";

    public string Description => "M no-op jobs at rate R over N agents of T tenants: submit, submit→assign, assign→start latency, throughput, cost per job.";

    public async Task<BenchResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var jobs = settings.JobsOr(2_000, 300);
        var rate = settings.RateOr(200, 100);
        var tenantCount = settings.TenantsOr(1);
        var agentCount = Math.Max(settings.AgentsOr(50, 20), tenantCount);

        var fleet = await BenchFleet.CreateAsync(context, tenantCount, agentCount, SlotsPerAgent, cancellationToken);
        using var _ = fleet;
        await fleet.WarmUpAsync(context, rate, cancellationToken);
        var probe = new FleetProbe(context.Time);
        using var stopAgents = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = fleet.Run(AgentBehaviour.CompleteAtOnce, probe, stopAgents.Token);
        // Let every agent's first poll arrive, so the run measures dispatch rather than start-up.
        await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);

        context.Progress($"submitting {jobs} jobs at {rate}/s over {tenantCount} tenant(s)");
        var cost = await DispatchCost.StartAsync(context.Target, cancellationToken);
        var submittedAt = new ConcurrentDictionary<string, DateTimeOffset>();
        var submitMs = new LatencyRecorder();
        var submitErrors = 0;
        var start = Stopwatch.GetTimestamp();
        await OpenLoop.RunAsync(jobs, rate, async (index, intended) =>
        {
            try
            {
                using var response = await fleet.TenantFor(index).SubmitAsync(cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref submitErrors);
                    return;
                }
                var job = (await response.Content.ReadFromJsonAsync<JobDto>(BenchHttp.Json, cancellationToken))!;
                submitMs.RecordSince(intended);
                submittedAt[job.Id] = job.SubmittedAt;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref submitErrors);
            }
        }, cancellationToken);

        context.Progress("waiting for the agents to finish");
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 60;
        while (probe.Completed < submittedAt.Count && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(20, cancellationToken);
        }
        var end = probe.LastCompletedTimestamp > start ? probe.LastCompletedTimestamp : Stopwatch.GetTimestamp();
        var wallSeconds = Stopwatch.GetElapsedTime(start, end).TotalSeconds;

        await stopAgents.CancelAsync();
        await Task.WhenAll(running);

        var toAssign = new List<double>(submittedAt.Count);
        foreach (var (jobId, submitted) in submittedAt)
        {
            if (probe.ReceivedAt.TryGetValue(jobId, out var received)) toAssign.Add((received - submitted).TotalMilliseconds);
        }

        var result = new BenchResult(Name, context.Target.Backend)
            .Add("submit_ms", submitMs.Summarise())
            .Add("submit_to_assign_ms", Percentiles.FromSamples([.. toAssign]))
            .Add("assign_to_start_ms", probe.AssignToStart.Summarise())
            .Add("throughput_jobs_per_s", wallSeconds > 0 ? probe.Completed / wallSeconds : 0)
            .Add("jobs_submitted", submittedAt.Count)
            .Add("jobs_completed", probe.Completed)
            .Add("submit_retries", fleet.SubmitRetries)
            .Add("errors", submitErrors + probe.Errors);
        await cost.AddToAsync(result, probe.Completed, "job", cancellationToken);
        result
            .Note($"{jobs} jobs at {rate}/s over {fleet.Agents.Count} agents × {SlotsPerAgent} slots of {tenantCount} tenant(s) (jobs round-robin); "
                + "submit_ms is measured from each job's intended send time (open loop).")
            .Note($"Measured after {fleet.WarmUpDescription} had run unmeasured (JIT tiering of a fresh server and simulators).")
            .Note("submit_to_assign_ms: server submittedAt → assignment received by the simulated agent; throughput: completed jobs / (first submit → last completion).");
        if (context.Target.IsRemote) result.Note("Remote server: submit_to_assign_ms compares the server's clock with this machine's.");
        return result;
    }
}
