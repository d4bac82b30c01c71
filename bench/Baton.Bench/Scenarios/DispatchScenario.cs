using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using Baton.Bench.Agents;
using Baton.Bench.Hosting;
using Baton.Bench.Metrics;
using Baton.Core.Api;

namespace Baton.Bench.Scenarios;

/// <summary>
/// M no-op jobs submitted open-loop at rate R while N simulated agents long-poll, start and complete them.
/// <c>submit_to_assign_ms</c> runs from the server's <c>submittedAt</c> to the moment an agent received the
/// assignment (client clock; the same clock as the server's when in process).
/// </summary>
public sealed class DispatchScenario : IBenchScenario
{
    private const int SlotsPerAgent = 4;

    public string Name => "dispatch";

    public string Description => "M no-op jobs at rate R over N agents: submit, submit→assign, assign→start latency and throughput.";

    /// <summary>
    /// Warm-up jobs through every code path first, open-loop at half the measured rate, all finished before
    /// the measured run: a fresh server (and the simulators) compile and re-compile their hot code in the first
    /// seconds (tiered JIT), which a long-running server has long done; figures should not include it.
    /// </summary>
    private static async Task WarmUpAsync(BenchContext context, IReadOnlyList<SimulatedAgent> agents, int warmUpJobs, double rate, CancellationToken cancellationToken)
    {
        var probe = new FleetProbe(context.Time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = agents.Select(a => Task.Run(() => a.RunAsync(AgentBehaviour.CompleteAtOnce, probe, stop.Token), CancellationToken.None)).ToList();
        var submitted = 0;
        await OpenLoop.RunAsync(warmUpJobs, rate / 2, async (_, _) =>
        {
            using var response = await context.Tenant.SubmitAsync(cancellationToken);
            if (response.IsSuccessStatusCode) Interlocked.Increment(ref submitted);
        }, cancellationToken);
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 60;
        while (probe.Completed < submitted && Stopwatch.GetTimestamp() < deadline) await Task.Delay(20, cancellationToken);
        await stop.CancelAsync();
        await Task.WhenAll(running);
    }

    public async Task<BenchResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var jobs = settings.JobsOr(2_000, 300);
        var rate = settings.RateOr(200, 100);
        var agentCount = settings.AgentsOr(50, 20);

        context.Progress($"registering {agentCount} agents × {SlotsPerAgent} slots");
        var agents = await SimulatedAgent.RegisterFleetAsync(context.AgentHttp, context.Tenant.EnrollmentToken, agentCount, SlotsPerAgent, cancellationToken);
        var warmUpJobs = settings.Quick ? 150 : 1_000;
        context.Progress($"warming up: {warmUpJobs} jobs at {rate / 2:0}/s, not measured");
        await WarmUpAsync(context, agents, warmUpJobs, rate, cancellationToken);
        var probe = new FleetProbe(context.Time);
        using var stopAgents = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = agents.Select(a => Task.Run(() => a.RunAsync(AgentBehaviour.CompleteAtOnce, probe, stopAgents.Token), CancellationToken.None)).ToList();
        // Let every agent's first poll arrive, so the run measures dispatch rather than start-up.
        await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);

        context.Progress($"submitting {jobs} jobs at {rate}/s");
        var submittedAt = new ConcurrentDictionary<string, DateTimeOffset>();
        var submitMs = new LatencyRecorder();
        var submitErrors = 0;
        var start = Stopwatch.GetTimestamp();
        await OpenLoop.RunAsync(jobs, rate, async (_, intended) =>
        {
            try
            {
                using var response = await context.Tenant.SubmitAsync(cancellationToken);
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
            .Add("submit_retries", context.Tenant.SubmitRetries)
            .Add("errors", submitErrors + probe.Errors)
            .Note($"{jobs} jobs at {rate}/s over {agentCount} agents × {SlotsPerAgent} slots; submit_ms is measured from each job's intended send time (open loop).")
            .Note($"Measured after {warmUpJobs} unmeasured warm-up jobs had run (JIT tiering of a fresh server and simulators).")
            .Note("submit_to_assign_ms: server submittedAt → assignment received by the simulated agent; throughput: completed jobs / (first submit → last completion).");
        if (context.Target.IsRemote) result.Note("Remote server: submit_to_assign_ms compares the server's clock with this machine's.");
        return result;
    }
}
