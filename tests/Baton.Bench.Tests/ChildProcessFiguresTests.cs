using System.Text.Json;
using Baton.Bench.Scenarios;
using Baton.Bench.Tests.Support;

namespace Baton.Bench.Tests;

/// <summary>With the server in a child process, the server figures are the child's and the bench's CPU is reported apart.</summary>
public sealed class ChildProcessFiguresTests
{
    [Fact]
    public async Task Agents_scenario_reports_server_figures_of_the_child_and_the_bench_cpu_apart()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var progress = new List<string>();

        var result = await BenchRunner.RunAsync(
            new AgentsScenario(), new BenchTargetOptions("sqlite", ServerCommand: BatonCli.Command),
            new BenchSettings(Quick: true, Agents: 100, Duration: TimeSpan.FromSeconds(3)), progress.Add, timeout.Token);

        using var json = JsonDocument.Parse(result.ToJson());
        var metrics = json.RootElement.GetProperty("metrics");
        Assert.Equal(0, metrics.GetProperty("errors").GetInt32());
        Assert.Equal(100, metrics.GetProperty("agents_online").GetInt32());
        // A .NET server process holds tens of MB at least; the bench's own memory is not in it.
        Assert.InRange(metrics.GetProperty("server_peak_rss_mb").GetDouble(), 20, 4096);
        Assert.InRange(metrics.GetProperty("server_cpu_percent").GetDouble(), 0.01, 100);
        Assert.InRange(metrics.GetProperty("bench_cpu_percent").GetDouble(), 0.01, 100);
        var notes = json.RootElement.GetProperty("notes").EnumerateArray().Select(n => n.GetString()).ToList();
        var pidLine = Assert.Single(progress, p => p.StartsWith("server process ", StringComparison.Ordinal));
        var pid = pidLine.Split(' ')[2];
        Assert.Contains(notes, n => n!.StartsWith("Separate process", StringComparison.Ordinal) && n.Contains($"(pid {pid})", StringComparison.Ordinal));
        Assert.NotEqual(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), pid);
    }
}
