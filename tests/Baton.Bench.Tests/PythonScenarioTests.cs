using System.Text.Json;
using Baton.Bench.Metrics;
using Baton.Bench.Scenarios;
using Baton.Bench.Tests.Support;

namespace Baton.Bench.Tests;

/// <summary>The python scenario in quick mode: a real server process, a real agent process, real Python.</summary>
public sealed class PythonScenarioTests
{
    [Fact]
    public async Task Quick_python_on_sqlite_reports_every_metric_with_sane_values()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var progress = new List<string>();

        var result = await BenchRunner.RunAsync(
            new PythonScenario(), new BenchTargetOptions("sqlite", ServerCommand: BatonCli.Command), new BenchSettings(Quick: true, Jobs: 40), progress.Add, timeout.Token);

        using var json = JsonDocument.Parse(result.ToJson());
        var metrics = json.RootElement.GetProperty("metrics");
        Assert.Equal("python", json.RootElement.GetProperty("scenario").GetString());
        foreach (var name in new[] { "idle_start_ms", "idle_submit_to_started_ms" })
        {
            var m = metrics.GetProperty(name);
            var (p50, p99, max) = (m.GetProperty("p50").GetDouble(), m.GetProperty("p99").GetDouble(), m.GetProperty("max").GetDouble());
            // Measured inside the job against the submit time: positive, and well under the job's deadline.
            Assert.True(p50 > 0 && p50 <= p99 && p99 <= max && max < 30_000, $"{name}: {m}");
            Assert.Equal(20, m.GetProperty("count").GetInt32());
        }
        var cli = metrics.GetProperty("cli_run_wait_ms");
        Assert.Equal(3, cli.GetProperty("count").GetInt32());
        // A new CLI process, a submission and a job: more than the job's own start, less than the job's deadline.
        Assert.InRange(cli.GetProperty("p50").GetDouble(), metrics.GetProperty("idle_start_ms").GetProperty("p50").GetDouble(), 60_000);
        // The function starts after the agent's start call, which comes after the submission.
        Assert.True(metrics.GetProperty("idle_start_ms").GetProperty("p50").GetDouble() >= metrics.GetProperty("idle_submit_to_started_ms").GetProperty("p50").GetDouble());
        foreach (var name in new[] { "burst_jobs_per_s", "cold_burst_jobs_per_s", "agent_cpu_ms_per_job", "python_cpu_ms_per_job", "cold_python_cpu_ms_per_job", "server_cpu_ms_per_job" })
            Assert.True(metrics.GetProperty(name).GetDouble() > 0, $"{name}: {metrics.GetProperty(name)}");
        Assert.Equal(0, metrics.GetProperty("errors").GetInt32());
        Assert.Contains(progress, p => p.Contains("real agent", StringComparison.Ordinal));
    }

    [Fact]
    public void The_bench_package_stamps_the_time_its_function_runs_and_fresh_opts_out_of_warm_starts()
    {
        var warm = new Baton.Core.Packages.PackageArchiveInspector(new Baton.Core.Packages.PackageArchiveLimits()).Inspect(new MemoryStream(PythonScenario.Package("p", null)));
        var fresh = new Baton.Core.Packages.PackageArchiveInspector(new Baton.Core.Packages.PackageArchiveLimits()).Inspect(new MemoryStream(PythonScenario.Package("p", "fresh")));

        Assert.Equal(Baton.Core.Packages.JobIsolation.Warm, warm.Manifest!.Isolation);
        Assert.Equal(Baton.Core.Packages.JobIsolation.Fresh, fresh.Manifest!.Isolation);
    }

    [Fact]
    public void Process_tree_cpu_counts_a_reaped_child_under_its_parent()
    {
        var before = ProcessTreeCpu.Read(Environment.ProcessId);
        using (var child = System.Diagnostics.Process.Start("python3", ["-c", "sum(i * i for i in range(3_000_000))"])!)
            child.WaitForExit();
        var spent = ProcessTreeCpu.Read(Environment.ProcessId) - before;

        Assert.True(spent.Descendants > TimeSpan.FromMilliseconds(50), $"descendants: {spent.Descendants}");
    }
}
