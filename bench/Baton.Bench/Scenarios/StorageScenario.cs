using System.Diagnostics;
using Baton.Bench.Agents;
using Baton.Bench.Metrics;

namespace Baton.Bench.Scenarios;

/// <summary>
/// How much database a job costs: M jobs run through the real server by simulated agents, each leaving L log lines
/// of B bytes and a short result (as a small automation does), and the database's size on disk is measured before
/// and after. <c>db_bytes_per_job</c> = growth / completed jobs; <c>db_gb_per_million_jobs</c> is that × 10⁶ / 10⁹.
/// Nothing is pruned meanwhile (retention runs daily), so the figure is what a million jobs cost before retention.
/// </summary>
public sealed class StorageScenario : IBenchScenario
{
    private const int SlotsPerAgent = 8;

    public string Name => "storage";

    public string Description => "M jobs with L log lines of B bytes each: database bytes per job and GB per million jobs (before retention).";

    public async Task<BenchResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var jobs = settings.JobsOr(100_000, 1_000);
        var rate = settings.RateOr(1_000, 250);
        var agentCount = settings.AgentsOr(20, 5);
        var behaviour = AgentBehaviour.CompleteAtOnce with { LogLines = 20, LogLineBytes = 100 };
        if (context.Target.IsRemote) throw new InvalidOperationException("the storage scenario measures the database on disk: run it against a server of its own, not --server.");

        var fleet = await BenchFleet.CreateAsync(context, 1, agentCount, SlotsPerAgent, cancellationToken);
        using var _ = fleet;
        var before = (await context.Target.MeasureDatabaseBytesAsync(cancellationToken))!.Value;
        var probe = new FleetProbe(context.Time);
        using var stopAgents = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = fleet.Run(behaviour, probe, stopAgents.Token);

        context.Progress($"running {jobs} jobs at {rate}/s, {behaviour.LogLines} log lines of {behaviour.LogLineBytes} bytes each");
        var submitted = 0;
        var errors = 0;
        await OpenLoop.RunAsync(jobs, rate, async (index, _) =>
        {
            try
            {
                using var response = await fleet.TenantFor(index).SubmitAsync(cancellationToken);
                if (response.IsSuccessStatusCode) Interlocked.Increment(ref submitted);
                else Interlocked.Increment(ref errors);
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref errors);
            }
        }, cancellationToken);
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 120;
        while (probe.Completed < submitted && Stopwatch.GetTimestamp() < deadline) await Task.Delay(50, cancellationToken);
        await stopAgents.CancelAsync();
        await Task.WhenAll(running);

        var after = (await context.Target.MeasureDatabaseBytesAsync(cancellationToken))!.Value;
        var completed = probe.Completed;
        var perJob = completed > 0 ? (double)(after - before) / completed : 0;
        var result = new BenchResult(Name, context.Target.Backend)
            .Add("jobs_completed", completed)
            .Add("db_bytes_before", before)
            .Add("db_bytes_after", after)
            .Add("db_bytes_per_job", Math.Round(perJob))
            .Add("db_gb_per_million_jobs", Math.Round(perJob * 1e6 / 1e9, 2))
            .Add("log_bytes_per_job", behaviour.LogLines * behaviour.LogLineBytes)
            .Add("errors", errors + probe.Errors)
            .Note($"{completed} jobs, each with {behaviour.LogLines} log lines of {behaviour.LogLineBytes} bytes sent with its completion and a ~70-byte result; "
                + "no inputs; one tenant; the job row, its events (submitted, assigned, started, succeeded), its log lines and the indexes on all of them.")
            .Note("Growth of the database on disk (SQLite: baton.db after a WAL checkpoint; PostgreSQL: pg_database_size) divided by completed jobs. "
                + "Before retention: history older than the retention window is pruned daily (PostgreSQL drops whole partitions).");
        if (completed < 10_000) result.Note("Under 10,000 jobs fixed page and partition overheads weigh more than in a long run: size from the full run (100,000 jobs).");
        return result;
    }
}
