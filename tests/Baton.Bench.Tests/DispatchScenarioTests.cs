using System.Text.Json;
using Baton.Bench.Scenarios;

namespace Baton.Bench.Tests;

/// <summary>The dispatch scenario in quick mode against a real in-process server on SQLite.</summary>
public sealed class DispatchScenarioTests
{
    [Fact]
    public async Task Quick_dispatch_on_sqlite_reports_every_metric_with_sane_values()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var progress = new List<string>();

        var result = await BenchRunner.RunAsync(
            new DispatchScenario(), new BenchTargetOptions("sqlite", InProcess: true), new BenchSettings(Quick: true), progress.Add, timeout.Token);

        using var json = JsonDocument.Parse(result.ToJson());
        var root = json.RootElement;
        Assert.Equal("dispatch", root.GetProperty("scenario").GetString());
        Assert.Equal("sqlite", root.GetProperty("backend").GetString());
        var metrics = root.GetProperty("metrics");
        foreach (var name in new[] { "submit_ms", "submit_to_assign_ms", "assign_to_start_ms" })
        {
            var m = metrics.GetProperty(name);
            var (p50, p95, p99, max) = (m.GetProperty("p50").GetDouble(), m.GetProperty("p95").GetDouble(), m.GetProperty("p99").GetDouble(), m.GetProperty("max").GetDouble());
            Assert.True(p50 >= 0 && p50 <= p95 && p95 <= p99 && p99 <= max, $"{name}: {m}");
            Assert.True(max < 30_000, $"{name}: {m}");
            Assert.Equal(300, m.GetProperty("count").GetInt32());
        }
        Assert.True(metrics.GetProperty("throughput_jobs_per_s").GetDouble() > 0);
        Assert.Equal(300, metrics.GetProperty("jobs_submitted").GetInt32());
        Assert.Equal(300, metrics.GetProperty("jobs_completed").GetInt32());
        Assert.Equal(0, metrics.GetProperty("errors").GetInt32());
        Assert.Contains(progress, p => p.Contains("sqlite", StringComparison.Ordinal));
    }
}
