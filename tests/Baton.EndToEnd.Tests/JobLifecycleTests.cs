using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Baton.Core.Api;
using Baton.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace Baton.EndToEnd.Tests;

/// <summary>Real server, real agent, real Python: each sample's whole life, driven through the CLI and the API.</summary>
public sealed partial class JobLifecycleTests(JobLifecycleFixture fixture, ITestOutputHelper output) : IClassFixture<JobLifecycleFixture>
{
    private Cluster Cluster => fixture.Cluster;

    private async Task<JobDto> SubmitAsync(SubmitJobRequest request)
    {
        using var api = Cluster.Api();
        var response = await api.PostAsJsonAsync("/api/v1/jobs", request, Cluster.Json);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JobDto>(Cluster.Json))!;
    }

    [Fact]
    public async Task Hello_runs_with_its_result_and_logs_through_the_cli()
    {
        var run = await CliRunner.RunAsync(Cluster.CliEnv(), "job", "run", "hello", "--input", "name=Ada", "--wait", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var job = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal("succeeded", job.GetProperty("state").GetString());
        Assert.Equal("Hello, Ada!", job.GetProperty("result").GetProperty("greeting").GetString());

        var jobId = job.GetProperty("id").GetString()!;
        var logs = await Cluster.LogsAsync(jobId);
        Assert.Contains("Hello, Ada!", logs, StringComparison.Ordinal);

        var cliLogs = await CliRunner.RunAsync(Cluster.CliEnv(), "job", "logs", jobId);
        Assert.Equal(0, cliLogs.ExitCode);
        Assert.Contains("Hello, Ada!", cliLogs.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_wait_returns_the_moment_the_job_ends_not_on_a_poll_tick()
    {
        var run = await CliRunner.RunAsync(Cluster.CliEnv(), "job", "run", "sleep", "--input", "seconds=2", "--wait", "--json");
        var exited = TimeProvider.System.GetUtcNow();
        Assert.True(run.ExitCode == 0, run.ToString());
        var job = JsonSerializer.Deserialize<JobDto>(run.Stdout, Cluster.Json)!;

        // The server answers the CLI's long-poll when the job ends; a one-second poll would be up to a second late.
        var late = exited - job.FinishedAt!.Value;
        output.WriteLine($"the CLI exited {late.TotalMilliseconds:0} ms after the job finished");
        Assert.True(late < TimeSpan.FromMilliseconds(750), $"the CLI exited {late.TotalMilliseconds:0} ms after the job finished");
    }

    [Fact]
    public async Task Hello_from_submission_to_result_is_quick()
    {
        // Warm: the package is cached on the agent after the first run.
        var warm = await SubmitAsync(new SubmitJobRequest("hello"));
        await Cluster.WaitForJobAsync(warm.Id, j => j.State == "succeeded", TimeSpan.FromSeconds(60));

        var timings = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            var job = await SubmitAsync(new SubmitJobRequest("hello", Inputs: new() { ["name"] = JsonSerializer.SerializeToElement($"run {i}") }));
            var done = await Cluster.WaitForJobAsync(job.Id, j => j.State is "succeeded" or "failed", TimeSpan.FromSeconds(30));
            Assert.Equal("succeeded", done.State);
            timings.Add(clock.Elapsed.TotalMilliseconds);
        }
        output.WriteLine($"hello submission→result ms: {string.Join(", ", timings.Select(t => t.ToString("0", CultureInfo.InvariantCulture)))}");
        Assert.True(timings.Min() < 5_000, "hello should finish within seconds");
    }

    [Fact]
    public async Task Fail_ends_failed_with_the_traceback_in_its_logs()
    {
        var run = await CliRunner.RunAsync(Cluster.CliEnv(), "job", "run", "fail", "--wait", "--json");
        Assert.Equal(1, run.ExitCode);
        var list = await CliRunner.RunAsync(Cluster.CliEnv(), "job", "list", "--package", "fail", "--json");
        var jobId = JsonItems.Of(list.Stdout)[0].GetProperty("id").GetString()!;
        var job = await Cluster.WaitForJobAsync(jobId, j => j.State == "failed", TimeSpan.FromSeconds(10));
        Assert.NotEqual(0, job.ExitCode);
        var logs = await Cluster.LogsAsync(jobId);
        Assert.Contains("Traceback (most recent call last)", logs, StringComparison.Ordinal);
        Assert.Contains("RuntimeError", logs, StringComparison.Ordinal);
        Assert.Contains("RuntimeError", job.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sleep_past_its_timeout_ends_timed_out_and_its_python_process_is_gone()
    {
        var job = await SubmitAsync(new SubmitJobRequest("sleep", Inputs: new() { ["seconds"] = JsonSerializer.SerializeToElement(120) }, TimeoutSeconds: 3));
        var pid = await WaitForPidAsync(job.Id);
        Assert.True(NativeSignals.IsAlive(pid), "the job's Python process should be running");

        var done = await Cluster.WaitForJobAsync(job.Id, j => j.State is "timed_out" or "failed" or "succeeded", TimeSpan.FromSeconds(40));
        Assert.Equal("timed_out", done.State);
        await AssertGoneAsync(pid);
    }

    [Fact]
    public async Task Cancel_ends_a_running_job_cancelled_and_stops_its_process()
    {
        var job = await SubmitAsync(new SubmitJobRequest("sleep", Inputs: new() { ["seconds"] = JsonSerializer.SerializeToElement(120) }));
        var pid = await WaitForPidAsync(job.Id);

        var cancel = await CliRunner.RunAsync(Cluster.CliEnv(), "job", "cancel", job.Id);
        Assert.True(cancel.ExitCode == 0, cancel.ToString());
        var done = await Cluster.WaitForJobAsync(job.Id, j => j.State is "cancelled" or "failed" or "succeeded", TimeSpan.FromSeconds(40));
        Assert.Equal("cancelled", done.State);
        await AssertGoneAsync(pid);
    }

    [Fact]
    public async Task With_deps_installs_its_shipped_wheel_into_a_reused_virtual_environment()
    {
        var first = await SubmitAsync(new SubmitJobRequest("with-deps"));
        var done = await Cluster.WaitForJobAsync(first.Id, j => j.State is "succeeded" or "failed", TimeSpan.FromMinutes(3));
        Assert.True(done.State == "succeeded", $"with-deps ended {done.State}: {done.Error}\n{await Cluster.LogsAsync(first.Id)}");

        var clock = Stopwatch.StartNew();
        var second = await SubmitAsync(new SubmitJobRequest("with-deps"));
        var again = await Cluster.WaitForJobAsync(second.Id, j => j.State is "succeeded" or "failed", TimeSpan.FromMinutes(1));
        Assert.Equal("succeeded", again.State);
        output.WriteLine($"with-deps second run (venv reused): {clock.ElapsedMilliseconds} ms");
        Assert.Equal(done.Result!.Value.GetRawText(), again.Result!.Value.GetRawText());
    }

    [Fact]
    public async Task A_new_tenant_sees_none_of_the_default_tenants_work()
    {
        var create = await CliRunner.RunAsync(Cluster.CliEnv(), "tenant", "create", "e2e-other", "--tier", "standard", "--json");
        Assert.True(create.ExitCode == 0, create.ToString());
        var key = JsonDocument.Parse(create.Stdout).RootElement.GetProperty("adminKey").GetProperty("secret").GetString()!;

        foreach (var what in new[] { "package", "job", "agent" })
        {
            var list = await CliRunner.RunAsync(Cluster.CliEnv(key), what, "list", "--json");
            Assert.True(list.ExitCode == 0, list.ToString());
            Assert.Empty(JsonItems.Of(list.Stdout));
        }
        var run = await CliRunner.RunAsync(Cluster.CliEnv(key), "job", "run", "hello", "--wait");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("not found", run.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    private async Task<int> WaitForPidAsync(string jobId)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            var match = PidLine().Match(await Cluster.LogsAsync(jobId));
            if (match.Success) return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            await Task.Delay(100);
        }
        throw new TimeoutException($"Job {jobId} never logged its pid.");
    }

    private static async Task AssertGoneAsync(int pid)
    {
        var clock = Stopwatch.StartNew();
        while (NativeSignals.IsAlive(pid) && clock.Elapsed < TimeSpan.FromSeconds(15)) await Task.Delay(100);
        Assert.False(NativeSignals.IsAlive(pid), $"Python process {pid} is still running.");
    }

    [GeneratedRegex(@"\(pid (\d+)\)")]
    private static partial Regex PidLine();
}
