using System.Diagnostics;
using Baton.Bench.Agents;
using Baton.Bench.Metrics;

namespace Baton.Bench.Scenarios;

/// <summary>
/// N idle agents heart-beating: each polls with no free slots and no wait every interval, the polls
/// spread evenly over the interval (an open-loop schedule of N / interval polls a second).
/// </summary>
public sealed class AgentsScenario : IBenchScenario
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    public string Name => "agents";

    public string Description => "N agents heart-beating every 10 s: heartbeat latency, server CPU and peak memory.";

    public async Task<BenchResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var agentCount = settings.AgentsOr(10_000, 500);
        var duration = settings.DurationOr(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(15));

        context.Progress($"registering {agentCount} agents");
        var registering = Stopwatch.GetTimestamp();
        var agents = await SimulatedAgent.RegisterFleetAsync(context.AgentHttp, context.Tenant.EnrollmentToken, agentCount, 1, cancellationToken);
        var registerSeconds = Stopwatch.GetElapsedTime(registering).TotalSeconds;

        // A few unmeasured polls first, so JIT compilation stays out of the figures.
        await Parallel.ForEachAsync(agents.Take(100), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (agent, ct) => await agent.PollAsync(0, 0, ct));

        var rate = agentCount / Interval.TotalSeconds;
        var polls = (int)(rate * duration.TotalSeconds);
        context.Progress($"{agentCount} agents heart-beating every {Interval.TotalSeconds:0} s for {duration.TotalSeconds:0} s ({rate:0}/s)");
        var heartbeat = new LatencyRecorder();
        var errors = 0;
        // Like a real agent, each has one poll in flight: a beat due while the previous one is unanswered waits
        // for it (and the wait counts, measured from the intended send time).
        var inFlight = agents.Select(_ => new SemaphoreSlim(1, 1)).ToArray();
        await using var sampler = new ProcessSampler(context.Target);
        await OpenLoop.RunAsync(polls, rate, async (i, intended) =>
        {
            var gate = inFlight[i % agentCount];
            await gate.WaitAsync(cancellationToken);
            try
            {
                await agents[i % agentCount].PollAsync(0, 0, cancellationToken);
                heartbeat.RecordSince(intended);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref errors);
            }
            finally
            {
                gate.Release();
            }
        }, cancellationToken);
        foreach (var gate in inFlight) gate.Dispose();
        sampler.Freeze();
        // Heartbeats are written in batches; the count of online agents shows they all landed.
        var usage = await context.Tenant.GetUsageAsync(cancellationToken);

        var result = new BenchResult(Name, context.Target.Backend)
            .Add("heartbeat_ms", heartbeat.Summarise())
            .Add("agents_online", usage.Agents)
            .Add("register_agents_s", registerSeconds)
            .Add("errors", errors);
        sampler.AddFigures(result, $"{agentCount} simulated agents");
        return result.Note($"{agentCount} agents, one poll (freeSlots 0, wait 0) each every {Interval.TotalSeconds:0} s for {duration.TotalSeconds:0} s; latency from each poll's intended send time.");
    }
}
