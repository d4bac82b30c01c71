using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Baton.Core.AgentProtocol;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests;

public sealed class AgentProtocolTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync(o => o.AgentTtl = TimeSpan.FromSeconds(3));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<TestTenant> TenantWithHelloAsync(string extraManifest = "")
    {
        var tenant = await _server.CreateTenantAsync();
        var zip = extraManifest.Length == 0
            ? TestPackages.Hello()
            : TestPackages.Zip(new Dictionary<string, string>
            {
                ["baton.yaml"] = TestPackages.Manifest(extra: extraManifest),
                ["main.py"] = "def run():\n    return 1\n",
            });
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(zip)).ShouldBeAsync(HttpStatusCode.Created);
        return tenant;
    }

    private static async Task<JobDto> SubmitAsync(TestTenant tenant, SubmitJobRequest? request = null) =>
        await tenant.Client.PostAsJsonAsync("/api/v1/jobs", request ?? new SubmitJobRequest("hello")).ReadAsync<JobDto>(HttpStatusCode.Created);

    private static async Task<JobDto> GetJobAsync(TestTenant tenant, string id) =>
        await tenant.Client.GetAsync($"/api/v1/jobs/{id}").ReadAsync<JobDto>();

    private static async Task<JobDto> WaitForStateAsync(TestTenant tenant, string id, string state, TimeSpan? within = null)
    {
        var deadline = Stopwatch.StartNew();
        JobDto job;
        do
        {
            job = await GetJobAsync(tenant, id);
            if (job.State == state) return job;
            await Task.Delay(100);
        }
        while (deadline.Elapsed < (within ?? TimeSpan.FromSeconds(20)));
        throw new TimeoutException($"Job {id} stayed {job.State}, expected {state}.");
    }

    [Fact]
    public async Task Registration_needs_a_valid_unrevoked_token()
    {
        using var tenant = await _server.CreateTenantAsync();
        await SimulatedAgent.TryRegisterAsync(_server, "be_bogus").ShouldBeProblemAsync(HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);

        var created = await tenant.Client.PostAsJsonAsync("/api/v1/enrollment-tokens", new CreateEnrollmentTokenRequest("t"))
            .ReadAsync<CreatedEnrollmentTokenDto>(HttpStatusCode.Created);
        await tenant.Client.DeleteAsync($"/api/v1/enrollment-tokens/{created.Token.Id}").ShouldBeAsync(HttpStatusCode.NoContent);
        await SimulatedAgent.TryRegisterAsync(_server, created.Secret).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);

        using var agentless = _server.Client("ba_forged");
        await agentless.PostAsJsonAsync("/api/agent/v1/poll", new PollRequest(1, [])).ShouldBeAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_job_runs_through_claim_start_logs_and_completion()
    {
        using var tenant = await TenantWithHelloAsync();
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant);
        var job = await SubmitAsync(tenant, new SubmitJobRequest("hello", Inputs: new() { ["name"] = JsonSerializer.SerializeToElement("Ada") }));

        var assignment = await agent.ClaimOneAsync();
        Assert.Equal(job.Id, assignment.JobId);
        Assert.Equal(1, assignment.Attempt);
        Assert.Equal("main:run", assignment.Entrypoint);
        Assert.Equal("Ada", assignment.Inputs.GetProperty("name").GetString());
        var zip = await agent.DownloadAsync(assignment.Package.Sha256).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(TestPackages.Hello(), await zip.Content.ReadAsByteArrayAsync());
        Assert.Equal("assigned", (await GetJobAsync(tenant, job.Id)).State);

        await agent.StartAsync(job.Id, 1).ShouldBeAsync(HttpStatusCode.NoContent);
        Assert.Equal("running", (await GetJobAsync(tenant, job.Id)).State);
        await agent.LogAsync(job.Id, 1, "hello from python", "second line").ShouldBeAsync(HttpStatusCode.OK);
        await agent.LogAsync(job.Id, 1, "hello from python", "second line").ShouldBeAsync(HttpStatusCode.OK); // a resent batch
        await agent.CompleteAsync(job.Id, 1, "succeeded", new { greeting = "Hello, Ada!" }, exitCode: 0).ShouldBeAsync(HttpStatusCode.OK);
        await agent.CompleteAsync(job.Id, 1, "succeeded", new { greeting = "Hello, Ada!" }, exitCode: 0).ShouldBeAsync(HttpStatusCode.OK);

        var done = await GetJobAsync(tenant, job.Id);
        Assert.Equal("succeeded", done.State);
        Assert.Equal("Hello, Ada!", done.Result!.Value.GetProperty("greeting").GetString());
        Assert.Equal(agent.Id, done.AgentId);
        Assert.NotNull(done.StartedAt);
        Assert.NotNull(done.FinishedAt);

        var logs = await tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}/logs").ReadAsync<LogPageDto>();
        Assert.Equal(["hello from python", "second line"], logs.Items.Select(l => l.Text));
        Assert.True(logs.JobEnded);
        var after = await tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}/logs?after={logs.Items[0].Seq}").ReadAsync<LogPageDto>();
        Assert.Equal("second line", Assert.Single(after.Items).Text);

        var events = await tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}/events").ReadAsync<ListResponse<JobEventDto>>();
        Assert.Equal(["submitted", "assigned", "started", "succeeded"], events.Items.Select(e => e.Type));

        var agents = await tenant.Client.GetAsync("/api/v1/agents").ReadAsync<ListResponse<AgentDto>>();
        Assert.Equal("online", Assert.Single(agents.Items).State);
    }

    [Fact]
    public async Task Progress_sent_with_a_log_call_shows_within_a_second_and_a_finished_job_shows_no_stale_percent()
    {
        using var tenant = await TenantWithHelloAsync();
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant);
        var job = await SubmitAsync(tenant, new SubmitJobRequest("hello"));
        await agent.ClaimOneAsync();
        await agent.StartAsync(job.Id, 1).ShouldBeAsync(HttpStatusCode.NoContent);

        // Progress alone (no lines), as the agent sends it when baton.progress() is called: no poll needed.
        await agent.Http.PostAsJsonAsync($"/api/agent/v1/jobs/{job.Id}/logs", new AppendLogsRequest(1, [], new JobProgressReport(47, "frame 47")))
            .ShouldBeAsync(HttpStatusCode.OK);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        JobDto running;
        do
        {
            running = await GetJobAsync(tenant, job.Id);
            if (running.Progress is not null) break;
            await Task.Delay(50);
        }
        while (clock.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Equal((47.0, "frame 47"), (running.Progress?.Percent, running.Progress?.Message));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"progress took {clock.Elapsed}");

        await agent.CompleteAsync(job.Id, 1, "succeeded", new { }, exitCode: 0).ShouldBeAsync(HttpStatusCode.OK);
        var done = await GetJobAsync(tenant, job.Id);
        Assert.Equal((100.0, "frame 47"), (done.Progress?.Percent, done.Progress?.Message));
    }

    [Fact]
    public async Task A_silent_agent_loses_its_lease_and_its_late_calls_are_refused()
    {
        using var tenant = await TenantWithHelloAsync();
        using var lost = await SimulatedAgent.RegisterAsync(_server, tenant, "lost");
        var job = await SubmitAsync(tenant, new SubmitJobRequest("hello", MaxAttempts: 2));
        var first = await lost.ClaimOneAsync();
        await lost.StartAsync(job.Id, first.Attempt).ShouldBeAsync(HttpStatusCode.NoContent);

        // The agent goes silent: after its TTL the job returns to pending for attempt 2.
        await WaitForStateAsync(tenant, job.Id, "pending", TimeSpan.FromSeconds(15));
        var agents = await tenant.Client.GetAsync("/api/v1/agents").ReadAsync<ListResponse<AgentDto>>();
        Assert.Equal("offline", agents.Items.Single(a => a.Id == lost.Id).State);
        using var rescuer = await SimulatedAgent.RegisterAsync(_server, tenant, "rescuer");
        var second = await rescuer.ClaimOneAsync();
        Assert.Equal(2, second.Attempt);

        await lost.LogAsync(job.Id, 1, "late").ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.StaleAttempt);
        await lost.CompleteAsync(job.Id, 1, "succeeded", new { late = true }).ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.StaleAttempt);
        await lost.StartAsync(job.Id, 1).ShouldBeProblemAsync(HttpStatusCode.Conflict);

        var poll = await lost.PollAsync(0, [new RunningJobReport(job.Id, 1)]);
        Assert.Contains(poll.Abandon, r => r.JobId == job.Id && r.Attempt == 1);

        await rescuer.StartAsync(job.Id, 2).ShouldBeAsync(HttpStatusCode.NoContent);
        await rescuer.CompleteAsync(job.Id, 2, "succeeded", new { ok = true }).ShouldBeAsync(HttpStatusCode.OK);
        var done = await GetJobAsync(tenant, job.Id);
        Assert.Equal("succeeded", done.State);
        Assert.True(done.Result!.Value.GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task An_assignment_that_never_reached_its_agent_is_handed_out_again_without_spending_an_attempt()
    {
        using var tenant = await TenantWithHelloAsync();
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant);
        var job = await SubmitAsync(tenant);
        var lost = await agent.ClaimOneAsync();
        Assert.Equal(1, lost.Attempt);

        // The response carrying it was lost (the agent restarted): its next poll does not list the job.
        var again = await agent.ClaimOneAsync();
        Assert.Equal((job.Id, 1), (again.JobId, again.Attempt));
        await agent.StartAsync(job.Id, 1).ShouldBeAsync(HttpStatusCode.NoContent);
        var events = await tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}/events").ReadAsync<ListResponse<JobEventDto>>();
        Assert.Equal(["submitted", "assigned", "released", "assigned", "started"], events.Items.Select(e => e.Type));
    }

    [Fact]
    public async Task A_lost_job_with_no_attempts_left_fails()
    {
        using var tenant = await TenantWithHelloAsync();
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant);
        var job = await SubmitAsync(tenant);
        await agent.ClaimOneAsync();
        var failed = await WaitForStateAsync(tenant, job.Id, "failed", TimeSpan.FromSeconds(15));
        Assert.Contains("lease", failed.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_failed_attempt_is_retried_after_a_backoff_until_attempts_are_spent()
    {
        using var tenant = await TenantWithHelloAsync();
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant);
        var job = await SubmitAsync(tenant, new SubmitJobRequest("hello", MaxAttempts: 2));

        var first = await agent.ClaimOneAsync();
        await agent.CompleteAsync(job.Id, first.Attempt, "failed", error: "Traceback: boom", exitCode: 1).ShouldBeAsync(HttpStatusCode.OK);
        var retrying = await GetJobAsync(tenant, job.Id);
        Assert.Equal("pending", retrying.State);
        Assert.NotNull(retrying.NotBefore);

        var second = await agent.ClaimOneAsync();
        Assert.Equal(2, second.Attempt);
        await agent.CompleteAsync(job.Id, 2, "failed", error: "Traceback: boom again", exitCode: 1).ShouldBeAsync(HttpStatusCode.OK);
        var failed = await GetJobAsync(tenant, job.Id);
        Assert.Equal("failed", failed.State);
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("boom again", failed.Error, StringComparison.Ordinal);
        var events = await tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}/events").ReadAsync<ListResponse<JobEventDto>>();
        Assert.Contains(events.Items, e => e.Type == "retry_scheduled");
    }

    [Fact]
    public async Task Jobs_go_only_to_agents_whose_capabilities_match()
    {
        using var tenant = await TenantWithHelloAsync("python: \">=3.12\"\ncapabilities: [os=linux]\n");
        using var old = await SimulatedAgent.RegisterAsync(_server, tenant, "old", SimulatedAgent.LinuxWithPython("3.11.7"));
        var job = await SubmitAsync(tenant, new SubmitJobRequest("hello", Requirements: ["gpu"]));
        Assert.Empty((await old.PollAsync(4)).Jobs);

        using var noGpu = await SimulatedAgent.RegisterAsync(_server, tenant, "new", SimulatedAgent.LinuxWithPython("3.12.1"));
        Assert.Empty((await noGpu.PollAsync(4)).Jobs);

        using var gpu = await SimulatedAgent.RegisterAsync(_server, tenant, "gpu",
            SimulatedAgent.LinuxWithPython("3.13.0", new Dictionary<string, string> { ["gpu"] = "a100" }));
        var assignment = await gpu.ClaimOneAsync();
        Assert.Equal(job.Id, assignment.JobId);
        Assert.Equal(">=3.12", assignment.Python);
    }

    [Fact]
    public async Task Cancelling_a_running_job_reaches_its_agent()
    {
        using var tenant = await TenantWithHelloAsync();
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant);
        var job = await SubmitAsync(tenant);
        var assignment = await agent.ClaimOneAsync();
        await agent.StartAsync(job.Id, assignment.Attempt).ShouldBeAsync(HttpStatusCode.NoContent);

        var polling = agent.PollAsync(0, [new RunningJobReport(job.Id, assignment.Attempt)], waitSeconds: 10);
        await Task.Delay(200);
        var requested = await tenant.Client.PostAsync($"/api/v1/jobs/{job.Id}/cancel", null).ReadAsync<JobDto>();
        Assert.True(requested.CancelRequested);
        var poll = await polling;
        Assert.Contains(poll.Cancel, r => r.JobId == job.Id);

        // Until the agent says it acts on the cancel, every poll repeats it (an answer may have been lost) …
        var again = await agent.PollAsync(0, [new RunningJobReport(job.Id, assignment.Attempt)], waitSeconds: 10);
        Assert.Contains(again.Cancel, r => r.JobId == job.Id);
        // … and once it reports the job stopping, a poll waits as usual instead of answering the same cancel at once.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var quiet = await agent.PollAsync(0, [new RunningJobReport(job.Id, assignment.Attempt, Stopping: true)], waitSeconds: 1);
        Assert.Empty(quiet.Cancel);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), $"The poll answered after {clock.ElapsedMilliseconds} ms instead of waiting.");

        await agent.CompleteAsync(job.Id, assignment.Attempt, "cancelled", exitCode: -15).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal("cancelled", (await GetJobAsync(tenant, job.Id)).State);
    }

    [Fact]
    public async Task Following_logs_streams_lines_then_the_end()
    {
        using var tenant = await TenantWithHelloAsync();
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant);
        var job = await SubmitAsync(tenant);
        var assignment = await agent.ClaimOneAsync();
        await agent.StartAsync(job.Id, assignment.Attempt).ShouldBeAsync(HttpStatusCode.NoContent);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/jobs/{job.Id}/logs?follow=true");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await tenant.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var reading = ReadEventsAsync(await response.Content.ReadAsStreamAsync());

        await agent.LogAsync(job.Id, 1, "one", "two").ShouldBeAsync(HttpStatusCode.OK);
        await Task.Delay(100);
        await agent.CompleteAsync(job.Id, 1, "succeeded", new { }).ShouldBeAsync(HttpStatusCode.OK);

        var events = await reading.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["log", "log", "end"], events.Select(e => e.Name));
        Assert.Equal("two", JsonDocument.Parse(events[1].Data).RootElement.GetProperty("text").GetString());
        Assert.Equal("succeeded", JsonDocument.Parse(events[2].Data).RootElement.GetProperty("state").GetString());
    }

    private static async Task<List<(string Name, string Data)>> ReadEventsAsync(Stream stream)
    {
        var events = new List<(string, string)>();
        using var reader = new StreamReader(stream);
        string? name = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && name is not null)
            {
                events.Add((name, line[6..]));
                if (name == "end") break;
            }
        }
        return events;
    }
}
