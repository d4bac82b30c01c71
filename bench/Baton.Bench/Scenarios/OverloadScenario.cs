using System.Diagnostics;
using Baton.Bench.Agents;
using Baton.Bench.Hosting;
using Baton.Bench.Metrics;

namespace Baton.Bench.Scenarios;

/// <summary>
/// Congestion collapse, or not: first the peak — closed-loop submitters keep the server busy and the completed
/// jobs per second are counted; then ten times that rate is offered open-loop for a while (every refused
/// submission retried after its Retry-After, as a well-behaved client does), and the completed jobs per second
/// during that window are compared with the peak. A server that refuses its excess cheaply keeps doing its
/// peak (<c>overload_ratio</c> near 1); one whose refusals and retries crowd out real work collapses.
/// </summary>
public sealed class OverloadScenario : IBenchScenario
{
    private const int SlotsPerAgent = 4;
    private const double Overload = 10;

    public string Name => "overload";

    public string Description => "Peak completed jobs/s (closed loop), then 10× that offered open-loop: completed jobs/s must stay near the peak.";

    public async Task<BenchResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var quick = settings.Quick;
        var tenantCount = settings.TenantsOr(1);
        var agentCount = Math.Max(settings.AgentsOr(50, 20), tenantCount);
        var window = settings.DurationOr(TimeSpan.FromSeconds(12), TimeSpan.FromSeconds(4));
        var submitters = quick ? 16 : 64;

        var fleet = await BenchFleet.CreateAsync(context, tenantCount, agentCount, SlotsPerAgent, cancellationToken);
        using var _ = fleet;
        await fleet.WarmUpAsync(context, quick ? 100 : 400, cancellationToken);
        var probe = new FleetProbe(context.Time);
        using var stopAgents = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = fleet.Run(AgentBehaviour.CompleteAtOnce, probe, stopAgents.Token);
        await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);

        // 1. The peak: every submitter sends its next job as soon as the last was accepted.
        context.Progress($"peak: {submitters} closed-loop submitters for {window.TotalSeconds:0} s");
        var accepted = 0;
        var peak = await MeasureAsync(probe, window, async (stop) =>
        {
            var index = 0;
            await Task.WhenAll(Enumerable.Range(0, submitters).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    using var response = await fleet.TenantFor(Interlocked.Increment(ref index)).SubmitAsync(stop.Token);
                    if (response.IsSuccessStatusCode) Interlocked.Increment(ref accepted);
                }
            }, CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default)));
        });
        await DrainAsync(probe, () => accepted, TimeSpan.FromSeconds(60), cancellationToken);
        var retriesBefore = fleet.SubmitRetries;

        // 2. Ten times the peak offered, open loop; refused submissions come back after their Retry-After.
        var offered = Math.Max(1, peak * Overload);
        var count = (int)(offered * window.TotalSeconds);
        context.Progress($"overload: {count} jobs offered at {offered:0}/s ({Overload}× the peak of {peak:0}/s)");
        var refusedForGood = 0;
        var acceptedBefore = accepted;
        var overloadStarted = Stopwatch.GetTimestamp();
        var overload = await MeasureAsync(probe, window, stop => OpenLoop.RunAsync(count, offered, async (index, _) =>
        {
            try
            {
                using var response = await fleet.TenantFor(index).SubmitAsync(stop.Token);
                if (response.IsSuccessStatusCode) Interlocked.Increment(ref accepted);
                else Interlocked.Increment(ref refusedForGood);
            }
            catch (OperationCanceledException)
            {
                // Still retrying when the window closed: the client gives up, nothing was stored.
            }
        }, CancellationToken.None));
        var retries = fleet.SubmitRetries - retriesBefore;
        var acceptedPerSecond = (accepted - acceptedBefore) / Stopwatch.GetElapsedTime(overloadStarted).TotalSeconds;
        var unfinished = await DrainAsync(probe, () => accepted, TimeSpan.FromSeconds(90), cancellationToken);

        await stopAgents.CancelAsync();
        await Task.WhenAll(running);

        var ratio = peak > 0 ? overload / peak : 0;
        return new BenchResult(Name, context.Target.Backend)
            .Add("peak_jobs_per_s", peak)
            .Add("overload_offered_per_s", offered)
            .Add("overload_jobs_per_s", overload)
            .Add("overload_accepted_per_s", acceptedPerSecond)
            .Add("overload_ratio", ratio)
            .Add("overload_retries", retries)
            .Add("unfinished_after_drain", unfinished)
            .Add("errors", probe.Errors + refusedForGood)
            .Note($"{agentCount} agents × {SlotsPerAgent} slots of {tenantCount} tenant(s); windows of {window.TotalSeconds:0} s; "
                + $"peak: {submitters} closed-loop submitters; overload: {Overload}× the peak offered open-loop.")
            .Note("overload_ratio = completed jobs/s during the overload window ÷ the peak (target ≥ 0.9). Refused submissions are retried after "
                + "their Retry-After (at most a minute); those still waiting when the window closes are abandoned, as a client would.")
            .Note($"Measured after {fleet.WarmUpDescription} had run unmeasured.");
    }

    /// <summary>Runs the load for <paramref name="window"/> and returns the jobs completed per second meanwhile (after a short ramp).</summary>
    private static async Task<double> MeasureAsync(FleetProbe probe, TimeSpan window, Func<CancellationTokenSource, Task> load)
    {
        using var stop = new CancellationTokenSource();
        var loading = load(stop);
        var ramp = TimeSpan.FromTicks(Math.Min(window.Ticks / 5, TimeSpan.FromSeconds(2).Ticks));
        await Task.Delay(ramp, CancellationToken.None);
        var before = probe.Completed;
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(window - ramp, CancellationToken.None);
        var completed = probe.Completed - before;
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await stop.CancelAsync();
        await loading;
        return seconds > 0 ? completed / seconds : 0;
    }

    /// <summary>Waits until every accepted job has completed (or the timeout); returns how many had not.</summary>
    private static async Task<int> DrainAsync(FleetProbe probe, Func<int> accepted, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (probe.Completed < accepted() && Stopwatch.GetTimestamp() < deadline) await Task.Delay(50, cancellationToken);
        return Math.Max(0, accepted() - probe.Completed);
    }
}
