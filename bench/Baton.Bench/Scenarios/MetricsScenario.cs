using System.Diagnostics;
using Baton.Bench.Agents;
using Baton.Bench.Hosting;
using Baton.Bench.Metrics;

namespace Baton.Bench.Scenarios;

/// <summary>
/// A <c>/metrics</c> scrape of a big fleet: T tenants, each with its agents and a few pending jobs (N agents in all),
/// scraped first (the fleet figures may have expired: the scrape can wait for their store read), then at a scraper's pace
/// (each scrape after the figures' age has passed: the server reads them ahead while they are in demand) and back to
/// back (cached). The fleet read's own duration is reported too: it is what a scrape of figures nobody kept fresh waits.
/// Target: ≤ 100 ms with 10,000 agents and 1,000 tenants.
/// </summary>
public sealed class MetricsScenario : IBenchScenario
{
    /// <summary>The server's default <c>Metrics:FleetMaxAge</c>: the paced scrapes wait longer than it between scrapes.</summary>
    private static readonly TimeSpan FleetMaxAge = TimeSpan.FromSeconds(5);

    public string Name => "metrics";

    public string Description => "A /metrics scrape with N agents across T tenants (default 10,000 and 1,000): cold and warm latency, size and series.";

    public async Task<BenchResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var agentCount = settings.AgentsOr(10_000, 500);
        var tenantCount = Math.Max(1, settings.TenantsOr(1_000, 50));
        var pacedScrapes = settings.Quick ? 3 : 10;
        var warmScrapes = settings.Quick ? 20 : 100;

        context.Progress($"creating {tenantCount} tenants with {agentCount} agents and a few pending jobs each");
        var tenants = new List<BenchTenant> { context.Tenant };
        try
        {
            var setup = Stopwatch.GetTimestamp();
            for (var i = 1; i < tenantCount; i++) tenants.Add(await BenchTenant.CreateAsync(context.Target, cancellationToken));
            var perTenant = agentCount / tenantCount;
            var extra = agentCount % tenantCount;
            await Parallel.ForEachAsync(Enumerable.Range(0, tenantCount), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, ct) =>
            {
                var count = perTenant + (i < extra ? 1 : 0);
                if (count > 0) await SimulatedAgent.RegisterFleetAsync(context.AgentHttp, tenants[i].EnrollmentToken, count, 2, ct);
                // Tenants differ in activity (1 to 5 pending jobs), so the tenant-label rule has a ranking to make.
                for (var j = 0; j <= i % 5; j++) (await tenants[i].SubmitAsync(ct)).EnsureSuccessStatusCode();
            });
            var setupSeconds = Stopwatch.GetElapsedTime(setup).TotalSeconds;

            using var scraper = BenchHttp.CreateClient(context.Target.BaseAddress);
            var first = Stopwatch.GetTimestamp();
            var body = await scraper.GetStringAsync("/metrics", cancellationToken);
            var firstMs = Stopwatch.GetElapsedTime(first).TotalMilliseconds;
            var warm = new LatencyRecorder();
            for (var i = 0; i < warmScrapes; i++)
            {
                var started = Stopwatch.GetTimestamp();
                body = await scraper.GetStringAsync("/metrics", cancellationToken);
                warm.RecordSince(started);
            }
            context.Progress($"{pacedScrapes} paced scrapes, each after the fleet figures' age ({FleetMaxAge.TotalSeconds:0} s) has passed");
            var paced = new LatencyRecorder();
            for (var i = 0; i < pacedScrapes; i++)
            {
                await Task.Delay(FleetMaxAge + TimeSpan.FromMilliseconds(300), cancellationToken);
                var started = Stopwatch.GetTimestamp();
                body = await scraper.GetStringAsync("/metrics", cancellationToken);
                paced.RecordSince(started);
            }
            var series = body.Split('\n').Count(line => line.Length > 0 && line[0] != '#');
            var readSeconds = body.Split('\n').FirstOrDefault(line => line.StartsWith("orchestrator_fleet_read_duration_seconds ", StringComparison.Ordinal))?.Split(' ')[1];

            return new BenchResult(Name, context.Target.Backend)
                .Add("scrape_paced_ms", paced.Summarise())
                .Add("scrape_warm_ms", warm.Summarise())
                .Add("scrape_first_ms", firstMs)
                .Add("fleet_read_ms", double.TryParse(readSeconds, System.Globalization.CultureInfo.InvariantCulture, out var read) ? read * 1000 : -1)
                .Add("scrape_bytes", body.Length)
                .Add("series", series)
                .Add("tenants", tenantCount)
                .Add("agents", agentCount)
                .Add("setup_s", setupSeconds)
                .Note($"{tenantCount} tenants, {agentCount} registered agents (2 slots), 1-5 pending jobs per tenant; first = the first scrape (JIT, and it may wait for a fleet read); paced = a scrape every {FleetMaxAge.TotalSeconds:0} s and more, as a scraper would (the server reads the figures ahead while they are in demand); warm = back to back; fleet_read_ms = one store read of the fleet figures (what a scrape of figures nobody kept fresh adds). Target: paced ≤ 100 ms at 10,000 agents and 1,000 tenants.");
        }
        finally
        {
            foreach (var tenant in tenants.Skip(1)) tenant.Dispose();
        }
    }
}
