using System.CommandLine;
using System.Globalization;
using Baton.Bench;
using Baton.Bench.Metrics;
using Baton.Bench.Scenarios;

namespace Baton.Cli.Commands.Hosting;

/// <summary>
/// <c>baton bench SCENARIO</c>: runs a benchmark scenario against an in-process server (SQLite or a fresh
/// PostgreSQL database, deleted afterwards) or a remote server, prints a table and optionally writes JSON.
/// </summary>
public static class BenchCommand
{
    public static Command Create(CliContext context)
    {
        var names = BenchCatalog.Available.Select(s => s.Name).Concat(BenchCatalog.NotAvailable.Keys).ToArray();
        var scenario = new Argument<string>("scenario") { Description = $"One of: {string.Join(", ", names)}." };
        var backend = new Option<string?>("--backend") { Description = "In-process server storage: sqlite (default) or postgres; with --server, a label for the results." };
        var server = new Option<Uri?>("--server") { Description = "Benchmark this running server instead of starting one." };
        var key = new Option<string?>("--key") { Description = "A system admin API key of --server (the bench creates its own tenant)." };
        var postgresAdmin = new Option<string?>("--postgres-admin") { Description = "Owner connection string for --backend postgres (default: BATON_TEST_POSTGRES)." };
        var quick = new Option<bool>("--quick") { Description = "Small sizes: each scenario finishes in under a minute (CI smoke runs)." };
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON to this file." };
        var agents = new Option<int?>("--agents") { Description = "Override the scenario's number of simulated agents." };
        var jobs = new Option<int?>("--jobs") { Description = "Override the scenario's number of jobs." };
        var rate = new Option<double?>("--rate") { Description = "Override the scenario's rate (jobs or requests per second)." };
        var duration = new Option<int?>("--duration") { Description = "Override the scenario's duration in seconds." };

        var command = new Command("bench", "Run a benchmark scenario: dispatch, agents, concurrency, api, fairness, deploy.")
        {
            scenario, backend, server, key, postgresAdmin, quick, json, agents, jobs, rate, duration,
        };
        command.SetAction(async (parse, ct) =>
        {
            var name = parse.GetValue(scenario)!;
            if (BenchCatalog.NotAvailable.TryGetValue(name.ToLowerInvariant(), out var planned))
            {
                context.Error.WriteLine($"error: scenario '{name}' is not available yet ({planned}).");
                return 2;
            }
            var found = BenchCatalog.Find(name);
            if (found is null)
            {
                context.Error.WriteLine($"error: unknown scenario '{name}'. Scenarios: {string.Join(", ", names)}.");
                return 2;
            }
            var serverUrl = parse.GetValue(server);
            var backendName = parse.GetValue(backend);
            if (serverUrl is null && backendName is not (null or "sqlite" or "postgres"))
            {
                context.Error.WriteLine("error: --backend must be sqlite or postgres.");
                return 2;
            }
            var seconds = parse.GetValue(duration);
            var settings = new BenchSettings(parse.GetValue(quick), parse.GetValue(agents), parse.GetValue(jobs), parse.GetValue(rate),
                seconds is { } s ? TimeSpan.FromSeconds(s) : null);
            var target = new BenchTargetOptions(backendName ?? (serverUrl is null ? "sqlite" : null)!, serverUrl, parse.GetValue(key),
                parse.GetValue(postgresAdmin) ?? context.GetEnvironmentVariable("BATON_TEST_POSTGRES"));

            var result = await BenchRunner.RunAsync(found, target, settings,
                message => context.Error.WriteLine($"bench: {message}"), ct);
            ResultTable.Write(context.Console, result);
            if (parse.GetValue(json) is { } path)
            {
                await File.WriteAllTextAsync(path, result.ToJson(), ct);
                context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bench: wrote {path}"));
            }
            return 0;
        });
        return command;
    }
}
