using System.Collections.Concurrent;
using System.Net.Http.Json;
using Baton.Bench.Agents;
using Baton.Bench.Hosting;
using Baton.Bench.Metrics;
using Baton.Core.Api;

namespace Baton.Bench.Scenarios;

/// <summary>
/// Mixed REST traffic at a fixed rate, open loop: in every ten calls four list jobs, three read one job,
/// two submit a job and one lists agents; a few agents work the submitted jobs meanwhile.
/// </summary>
public sealed class ApiScenario : IBenchScenario
{
    private const int SeedJobs = 50;

    public string Name => "api";

    public string Description => "Mixed reads and writes (list jobs, get job, submit, list agents) at a fixed rate: API latency.";

    public async Task<BenchResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var rate = settings.RateOr(500, 100);
        var duration = settings.DurationOr(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10));
        var agentCount = settings.AgentsOr(10, 5);

        context.Progress($"seeding {SeedJobs} jobs and {agentCount} agents");
        var agents = await SimulatedAgent.RegisterFleetAsync(context.AgentHttp, context.Tenant.EnrollmentToken, agentCount, 4, cancellationToken);
        var probe = new FleetProbe(context.Time);
        using var stopAgents = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = agents.Select(a => Task.Run(() => a.RunAsync(AgentBehaviour.CompleteAtOnce, probe, stopAgents.Token), CancellationToken.None)).ToList();
        var ids = new ConcurrentQueue<string>();
        for (var i = 0; i < SeedJobs; i++)
        {
            var job = await BenchTenant.ReadAsync<JobDto>(await context.Tenant.SubmitAsync(cancellationToken), "submit a seed job", cancellationToken);
            ids.Enqueue(job.Id);
        }
        var known = ids.ToArray();

        // One second of the same traffic first, unmeasured: JIT compilation and cold caches stay out of the figures.
        await SendMixAsync(context, known, (int)rate, rate, new LatencyRecorder(), NewRecorders(), cancellationToken);

        var all = new LatencyRecorder();
        var byKind = NewRecorders();
        var calls = (int)(rate * duration.TotalSeconds);
        context.Progress($"{calls} calls at {rate}/s for {duration.TotalSeconds:0} s");
        var cost = await DispatchCost.StartAsync(context.Target, cancellationToken);
        var errors = await SendMixAsync(context, known, calls, rate, all, byKind, cancellationToken);
        // Read before the agents stop: what the calls and the agents' work on their jobs cost, per call.
        var costs = new BenchResult(Name, context.Target.Backend);
        await cost.AddToAsync(costs, calls, "request", cancellationToken);

        await stopAgents.CancelAsync();
        await Task.WhenAll(running);

        var result = new BenchResult(Name, context.Target.Backend).Add("api_ms", all.Summarise());
        foreach (var (kind, recorder) in byKind) result.Add($"api_{kind}_ms", recorder.Summarise());
        foreach (var (name, value) in costs.Metrics) result.Add(name, (double)value);
        foreach (var note in costs.Notes) result.Note(note);
        return result
            .Add("requests_per_s", rate)
            .Add("errors", errors)
            .Note($"{calls} calls at {rate}/s: 40% GET /jobs?limit=50, 30% GET /jobs/{{id}}, 20% POST /jobs, 10% GET /agents; latency from each call's intended send time; {agentCount} agents complete the submitted jobs meanwhile.");
    }

    private static Dictionary<string, LatencyRecorder> NewRecorders() => new()
    {
        ["list_jobs"] = new(), ["get_job"] = new(), ["submit_job"] = new(), ["list_agents"] = new(),
    };

    /// <summary>Sends the mix open loop; returns the number of failed calls.</summary>
    private static async Task<int> SendMixAsync(
        BenchContext context, string[] known, int calls, double rate, LatencyRecorder all, Dictionary<string, LatencyRecorder> byKind,
        CancellationToken cancellationToken)
    {
        var api = context.Tenant.Api;
        var errors = 0;
        await OpenLoop.RunAsync(calls, rate, async (i, intended) =>
        {
            var (kind, send) = (i % 10) switch
            {
                < 4 => ("list_jobs", (Func<Task<HttpResponseMessage>>)(() => api.GetAsync("/api/v1/jobs?limit=50", cancellationToken))),
                < 7 => ("get_job", () => api.GetAsync($"/api/v1/jobs/{known[i % known.Length]}", cancellationToken)),
                < 9 => ("submit_job", () => context.Tenant.SubmitAsync(cancellationToken)),
                _ => ("list_agents", () => api.GetAsync("/api/v1/agents", cancellationToken)),
            };
            try
            {
                using var response = await send();
                await response.Content.LoadIntoBufferAsync(cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref errors);
                    return;
                }
                var ms = all.RecordSince(intended);
                byKind[kind].Record(ms);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref errors);
            }
        }, cancellationToken);
        return errors;
    }
}
