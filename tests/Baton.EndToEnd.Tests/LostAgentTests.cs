using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Baton.Core.AgentProtocol;
using Baton.Core.Api;
using Baton.EndToEnd.Tests.Support;

namespace Baton.EndToEnd.Tests;

public sealed partial class LostAgentTests : IAsyncLifetime
{
    private readonly Cluster _cluster = new();

    public Task InitializeAsync() => _cluster.StartServerAsync(agentTtlSeconds: 3);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Kill_9_of_an_agent_mid_job_loses_nothing_and_refuses_the_old_attempt()
    {
        var doomed = await _cluster.StartAgentAsync("doomed");
        var push = await CliRunner.RunAsync(_cluster.CliEnv(), "package", "push", Repo.Sample("sleep"));
        Assert.True(push.ExitCode == 0, push.ToString());

        using var api = _cluster.Api();
        var submitted = await api.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("sleep",
            Inputs: new() { ["seconds"] = JsonSerializer.SerializeToElement(4) }, MaxAttempts: 3), Cluster.Json);
        var job = (await submitted.Content.ReadFromJsonAsync<JobDto>(Cluster.Json))!;
        var running = await _cluster.WaitForJobAsync(job.Id, j => j.State == "running", TimeSpan.FromSeconds(60));
        Assert.Equal(1, running.Attempt);
        var pid = await WaitForPidAsync(job.Id);

        doomed.KillHard();
        await doomed.WaitForExitAsync(TimeSpan.FromSeconds(10));

        // Its Python child dies with it rather than running on as an orphan.
        var clock = Stopwatch.StartNew();
        while (NativeSignals.IsAlive(pid) && clock.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(100);
        Assert.False(NativeSignals.IsAlive(pid), "the killed agent's Python process is still running");

        await _cluster.StartAgentAsync("rescuer");
        var done = await _cluster.WaitForJobAsync(job.Id, j => j.State is "succeeded" or "failed", TimeSpan.FromSeconds(90));
        Assert.Equal("succeeded", done.State);
        Assert.Equal(2, done.Attempt);
        Assert.NotEqual(running.AgentId, done.AgentId);

        // The dead agent's credential still authenticates, but attempt 1 is no longer its to report on.
        var identity = JsonDocument.Parse(await File.ReadAllTextAsync(Directory
            .GetFiles(_cluster.AgentData("doomed"), "agent.json", SearchOption.AllDirectories).Single())).RootElement;
        var credential = identity.EnumerateObject().First(p => p.Name.Equals("credential", StringComparison.OrdinalIgnoreCase)).Value.GetString();
        using var late = new HttpClient { BaseAddress = new Uri(_cluster.Url) };
        late.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        var logs = await late.PostAsJsonAsync($"/api/agent/v1/jobs/{job.Id}/logs",
            new AppendLogsRequest(1, [new AgentLogLine(99, DateTimeOffset.UnixEpoch, "stdout", "late")]), Cluster.Json);
        Assert.Equal(HttpStatusCode.Conflict, logs.StatusCode);
        var complete = await late.PostAsJsonAsync($"/api/agent/v1/jobs/{job.Id}/complete",
            new CompleteJobRequest(1, "failed", 1, null, "late"), Cluster.Json);
        Assert.Equal(HttpStatusCode.Conflict, complete.StatusCode);

        var final = await _cluster.WaitForJobAsync(job.Id, j => true, TimeSpan.FromSeconds(1));
        Assert.Equal("succeeded", final.State);
        var events = await api.GetFromJsonAsync<ListResponse<JobEventDto>>($"/api/v1/jobs/{job.Id}/events", Cluster.Json);
        Assert.Contains(events!.Items, e => e.Type == "lease_expired");
        Assert.Single(events.Items, e => e.Type == "succeeded");
    }

    private async Task<int> WaitForPidAsync(string jobId)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            var match = PidLine().Match(await _cluster.LogsAsync(jobId));
            if (match.Success) return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            await Task.Delay(100);
        }
        throw new TimeoutException($"Job {jobId} never logged its pid.");
    }

    [GeneratedRegex(@"\(pid (\d+)\)")]
    private static partial Regex PidLine();
}
