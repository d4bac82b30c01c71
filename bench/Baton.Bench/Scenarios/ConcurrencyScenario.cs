using System.Diagnostics;
using Baton.Bench.Agents;
using Baton.Bench.Metrics;

namespace Baton.Bench.Scenarios;

/// <summary>
/// J long-running jobs held at once: agents start each job and keep it, listing it in every poll (the
/// lease renewal). The figure that counts is the server's own count of active jobs at the peak.
/// </summary>
public sealed class ConcurrencyScenario : IBenchScenario
{
    private const int SlotsPerAgent = 50;

    public string Name => "concurrency";

    public string Description => "J long-running jobs held at once by N agents × slots: jobs the server shows running, peak memory.";

    public async Task<BenchResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var jobs = settings.JobsOr(5_000, 500);
        var agentCount = settings.Agents ?? (jobs + SlotsPerAgent - 1) / SlotsPerAgent;
        var slots = (jobs + agentCount - 1) / agentCount;
        var rate = settings.RateOr(500, 250);

        context.Progress($"registering {agentCount} agents × {slots} slots");
        var agents = await SimulatedAgent.RegisterFleetAsync(context.AgentHttp, context.Tenant.EnrollmentToken, agentCount, slots, cancellationToken);
        var probe = new FleetProbe(context.Time);
        await using var sampler = new ProcessSampler(context.Target);
        using var stopAgents = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = agents.Select(a => Task.Run(() => a.RunAsync(AgentBehaviour.HoldJobs, probe, stopAgents.Token), CancellationToken.None)).ToList();

        context.Progress($"submitting {jobs} long-running jobs at {rate}/s");
        var submitErrors = 0;
        var start = Stopwatch.GetTimestamp();
        await OpenLoop.RunAsync(jobs, rate, async (_, _) =>
        {
            try
            {
                using var response = await context.Tenant.SubmitAsync(cancellationToken);
                if (!response.IsSuccessStatusCode) Interlocked.Increment(ref submitErrors);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref submitErrors);
            }
        }, cancellationToken);

        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 60;
        while (probe.Held < jobs - submitErrors && Stopwatch.GetTimestamp() < deadline) await Task.Delay(50, cancellationToken);
        var rampSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        // Hold them through a few heartbeats and read what the server counts as running.
        context.Progress($"holding {probe.Held} jobs");
        var peak = 0;
        for (var i = 0; i < 4; i++)
        {
            var usage = await context.Tenant.GetUsageAsync(cancellationToken);
            peak = Math.Max(peak, usage.ConcurrentJobs);
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
        sampler.Freeze();

        await stopAgents.CancelAsync();
        await Task.WhenAll(running);
        var heldAtEnd = probe.Held;
        if (context.Target.IsRemote)
        {
            // A local server is thrown away with its data; a remote one keeps running, so leave it clean.
            context.Progress("completing the held jobs");
            await Parallel.ForEachAsync(agents, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
                async (agent, ct) => await agent.ReleaseHeldAsync(probe, ct));
        }

        var result = new BenchResult(Name, context.Target.Backend)
            .Add("concurrent_jobs_held", peak)
            .Add("jobs_held_by_agents", heldAtEnd)
            .Add("time_to_hold_all_s", rampSeconds)
            .Add("heartbeat_ms", probe.Polls.Summarise())
            .Add("submit_retries", context.Tenant.SubmitRetries)
            .Add("errors", submitErrors + probe.Errors);
        sampler.AddFigures(result, $"{agentCount} simulated agents");
        return result.Note($"{jobs} jobs submitted at {rate}/s to {agentCount} agents × {slots} slots; concurrent_jobs_held is the peak of GET /api/v1/tenant usage.concurrentJobs.");
    }
}
