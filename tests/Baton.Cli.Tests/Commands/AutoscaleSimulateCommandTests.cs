using Baton.Cli.Tests.Infrastructure;

namespace Baton.Cli.Tests.Commands;

/// <summary><c>baton autoscale simulate</c>: offline, the real engine in virtual time, a chart with ScottPlot.</summary>
public sealed class AutoscaleSimulateCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("baton-simulate-test-").FullName;

    public void Dispose()
    {
        _cli.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private string Policy() => Write("policy.yaml", """
        triggers:
          - {type: QueueDepth, threshold: 10, scaleUp: {incrementSize: 2, cooldownSeconds: 30}, scaleDown: {decrementSize: 1, cooldownSeconds: 60}}
        limits: {minReplicas: 1, maxReplicas: 6}
        predictive: {mode: forecast-and-scale, slotsPerReplica: 2}
        """);

    // Ten quiet minutes, then a scheduled burst of 120 jobs at 00:10.
    private string Trace() => Write("trace.csv", "time,tenant,submissions,duration,key,scheduled,failing\n"
        + string.Concat(Enumerable.Range(0, 10).Select(m => $"{m * 60},acme,1,10,acme-key,0,0\n"))
        + "600,acme,120,20,acme-scheduler,1,0\n");

    [Fact]
    public async Task Simulate_prints_the_table_and_writes_png_and_svg_charts()
    {
        var png = Path.Combine(_folder, "out", "chart.png");
        var result = await _cli.RunAsync("autoscale", "simulate", "--policy", Policy(), "--trace", Trace(), "--compare", "--plot", png);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Replayed", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("reactive + predictive", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("forecast needs", result.Stdout, StringComparison.Ordinal);
        var bytes = await File.ReadAllBytesAsync(png);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);

        var svg = Path.Combine(_folder, "chart.svg");
        var svgResult = await _cli.RunAsync("autoscale", "simulate", "--policy", Policy(), "--trace", Trace(), "--plot", svg, "--json");
        Assert.True(svgResult.ExitCode == 0, svgResult.ToString());
        Assert.Contains("<svg", await File.ReadAllTextAsync(svg), StringComparison.Ordinal);
        Assert.Contains("\"waitP95Seconds\"", svgResult.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_policy_or_trace_is_refused_with_the_reason()
    {
        var badPolicy = Write("bad.yaml", "triggers: [{type: QueueLength, threshold: 1}]\nlimits: {minReplicas: 3, maxReplicas: 2}");
        var result = await _cli.RunAsync("autoscale", "simulate", "--policy", badPolicy, "--trace", Trace());
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("unknown trigger type 'QueueLength'", result.Stderr, StringComparison.Ordinal);

        var badTrace = Write("bad.csv", "time,tenant,submissions\n0,a,1\n");
        var traceResult = await _cli.RunAsync("autoscale", "simulate", "--policy", Policy(), "--trace", badTrace);
        Assert.Equal(1, traceResult.ExitCode);
        Assert.Contains("no 'duration' column", traceResult.Stderr, StringComparison.Ordinal);
    }
}
