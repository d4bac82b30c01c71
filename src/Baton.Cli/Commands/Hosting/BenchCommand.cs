using System.CommandLine;
using System.Globalization;
using Baton.Bench;
using Baton.Bench.Metrics;
using Baton.Bench.Scenarios;

namespace Baton.Cli.Commands.Hosting;

/// <summary>
/// <c>baton bench SCENARIO</c>: runs a benchmark scenario against a server of its own (a <c>baton server</c>
/// child process, or in process with <c>--in-process</c>; SQLite or a fresh PostgreSQL database, deleted
/// afterwards) or a remote server, prints a table and optionally writes JSON.
/// </summary>
public static class BenchCommand
{
    public static Command Create(CliContext context)
    {
        var names = BenchCatalog.Available.Select(s => s.Name).Concat(BenchCatalog.NotAvailable.Keys).ToArray();
        var scenario = new Argument<string>("scenario") { Description = $"One of: {string.Join(", ", names)}." };
        var backend = new Option<string?>("--backend") { Description = "The bench's own server's storage: sqlite (default) or postgres; with --server, a label for the results." };
        // A string, parsed here: System.CommandLine has no parser for Uri.
        var server = new Option<string?>("--server") { Description = "Benchmark this running server (its URL) instead of starting one." };
        var key = new Option<string?>("--key") { Description = "A system admin API key of --server (the bench creates its own tenant)." };
        var postgresAdmin = new Option<string?>("--postgres-admin") { Description = "Owner connection string for --backend postgres (default: BATON_TEST_POSTGRES)." };
        var inProcess = new Option<bool>("--in-process")
        {
            Description = "Run the server inside the bench process instead of as a child process (its CPU and memory figures then include the simulators).",
        };
        var quick = new Option<bool>("--quick") { Description = "Small sizes: each scenario finishes in under a minute (CI smoke runs)." };
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON to this file." };
        var agents = new Option<int?>("--agents") { Description = "Override the scenario's number of simulated agents." };
        var jobs = new Option<int?>("--jobs") { Description = "Override the scenario's number of jobs." };
        var rate = new Option<double?>("--rate") { Description = "Override the scenario's rate (jobs or requests per second)." };
        var duration = new Option<int?>("--duration") { Description = "Override the scenario's duration in seconds." };
        var tenants = new Option<int?>("--tenants") { Description = "Override the scenario's number of tenants (metrics)." };
        var compareMetrics = new Option<bool>("--compare-metrics")
        {
            Description = "Run the scenario twice in this run, the server's instrumentation off then on, and report the throughput cost of metrics.",
        };

        var command = new Command("bench", "Run a benchmark scenario: dispatch, agents, concurrency, api, fairness, deploy, metrics.")
        {
            scenario, backend, server, key, postgresAdmin, inProcess, quick, json, agents, jobs, rate, duration, tenants, compareMetrics,
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
            Uri? serverUrl = null;
            if (parse.GetValue(server) is { } given && !Uri.TryCreate(given, UriKind.Absolute, out serverUrl))
            {
                context.Error.WriteLine($"error: --server must be an absolute URL such as http://host:8080, not '{given}'.");
                return 2;
            }
            var backendName = parse.GetValue(backend);
            if (serverUrl is null && backendName is not (null or "sqlite" or "postgres"))
            {
                context.Error.WriteLine("error: --backend must be sqlite or postgres.");
                return 2;
            }
            var seconds = parse.GetValue(duration);
            var settings = new BenchSettings(parse.GetValue(quick), parse.GetValue(agents), parse.GetValue(jobs), parse.GetValue(rate),
                seconds is { } s ? TimeSpan.FromSeconds(s) : null, parse.GetValue(tenants));
            if (serverUrl is not null && parse.GetValue(inProcess))
            {
                context.Error.WriteLine("error: --in-process starts a server of its own; it cannot go with --server.");
                return 2;
            }
            var target = new BenchTargetOptions(backendName ?? (serverUrl is null ? "sqlite" : null)!, serverUrl, parse.GetValue(key),
                parse.GetValue(postgresAdmin) ?? context.GetEnvironmentVariable("BATON_TEST_POSTGRES"), parse.GetValue(inProcess));

            if (parse.GetValue(compareMetrics) && serverUrl is not null)
            {
                context.Error.WriteLine("error: --compare-metrics starts servers of its own (metrics off, then on); it cannot go with --server.");
                return 2;
            }

            // Ctrl-C and SIGTERM cancel the run, so the server process is killed and its data deleted.
            using var shutdown = new ShutdownSignal(ct);
            void Progress(string message) => context.Error.WriteLine($"bench: {message}");
            BenchResult result;
            if (parse.GetValue(compareMetrics))
            {
                var off = await BenchRunner.RunAsync(found, target with { Metrics = false }, settings, Progress, shutdown.Token);
                ResultTable.Write(context.Console, off);
                var on = await BenchRunner.RunAsync(found, target, settings, Progress, shutdown.Token);
                ResultTable.Write(context.Console, on);
                result = MetricsComparison.Compare(off, on);
            }
            else
            {
                result = await BenchRunner.RunAsync(found, target, settings, Progress, shutdown.Token);
            }
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
