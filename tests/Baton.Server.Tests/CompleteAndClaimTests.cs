using System.Net;
using System.Net.Http.Json;
using Baton.Core.AgentProtocol;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests;

/// <summary>A completion that carries the agent's log tail and its next claim: one request per short job instead of three.</summary>
public sealed class CompleteAndClaimTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<TestTenant> TenantWithHelloAsync()
    {
        var tenant = await _server.CreateTenantAsync();
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        return tenant;
    }

    private static async Task<JobDto> SubmitAsync(TestTenant tenant) =>
        await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ReadAsync<JobDto>(HttpStatusCode.Created);

    private static async Task<JobDto> GetJobAsync(TestTenant tenant, string id) =>
        await tenant.Client.GetAsync($"/api/v1/jobs/{id}").ReadAsync<JobDto>();

    private static AgentLogLine Line(long number, string text) => new(number, DateTimeOffset.UnixEpoch.AddSeconds(number), "stdout", text);

    private static async Task<JobAssignment> StartedAsync(SimulatedAgent agent)
    {
        var assignment = await agent.ClaimOneAsync();
        await agent.StartAsync(assignment.JobId, assignment.Attempt).ShouldBeAsync(HttpStatusCode.NoContent);
        return assignment;
    }

    [Fact]
    public async Task A_completion_with_a_claim_stores_its_logs_and_hands_out_the_next_job()
    {
        using var tenant = await TenantWithHelloAsync();
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant, slots: 1);
        var first = await SubmitAsync(tenant);
        var running = await StartedAsync(agent);
        var second = await SubmitAsync(tenant);

        var response = await agent.CompleteAsync(first.Id, new CompleteJobRequest(running.Attempt, "succeeded", 0, null, null,
            Logs: [Line(1, "hello"), Line(2, "done")], Claim: new CompletionClaim(1))).ReadAsync<CompleteJobResponse>();

        Assert.Equal("succeeded", response.State);
        var next = Assert.Single(response.Jobs!);
        Assert.Equal((second.Id, 1), (next.JobId, next.Attempt));
        Assert.Equal("hello", next.Package.Name);
        var assigned = await GetJobAsync(tenant, second.Id);
        Assert.Equal(("assigned", agent.Id), (assigned.State, assigned.AgentId));
        var logs = await tenant.Client.GetAsync($"/api/v1/jobs/{first.Id}/logs").ReadAsync<LogPageDto>();
        Assert.Equal(["hello", "done"], logs.Items.Select(l => l.Text));
        // The claimed job runs like any other.
        await agent.StartAsync(second.Id, 1).ShouldBeAsync(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task A_retried_completion_with_logs_gets_the_same_answer_and_stores_its_lines_once()
    {
        using var tenant = await TenantWithHelloAsync();
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant);
        var job = await SubmitAsync(tenant);
        var running = await StartedAsync(agent);
        var request = new CompleteJobRequest(running.Attempt, "succeeded", 0, null, null, Logs: [Line(1, "only once")], Claim: new CompletionClaim(1));

        await agent.CompleteAsync(job.Id, request).ReadAsync<CompleteJobResponse>();
        var again = await agent.CompleteAsync(job.Id, request).ReadAsync<CompleteJobResponse>();

        Assert.Equal("succeeded", again.State);
        var logs = await tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}/logs").ReadAsync<LogPageDto>();
        Assert.Equal(["only once"], logs.Items.Select(l => l.Text));
    }

    [Fact]
    public async Task A_plain_completion_claims_nothing_and_answers_an_empty_job_list()
    {
        using var tenant = await TenantWithHelloAsync();
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant);
        var job = await SubmitAsync(tenant);
        var running = await StartedAsync(agent);
        var waiting = await SubmitAsync(tenant);

        var response = await agent.CompleteAsync(job.Id, running.Attempt, "succeeded").ReadAsync<CompleteJobResponse>();

        Assert.Equal("succeeded", response.State);
        Assert.Empty(response.Jobs!);
        Assert.Equal("pending", (await GetJobAsync(tenant, waiting.Id)).State);
    }

    [Fact]
    public async Task Bad_lines_or_a_negative_claim_are_refused_and_leave_the_job_running()
    {
        using var tenant = await TenantWithHelloAsync();
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant);
        var job = await SubmitAsync(tenant);
        var running = await StartedAsync(agent);

        await agent.CompleteAsync(job.Id, new CompleteJobRequest(running.Attempt, "succeeded", 0, null, null, Logs: [Line(0, "zero")]))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        await agent.CompleteAsync(job.Id, new CompleteJobRequest(running.Attempt, "succeeded", 0, null, null, Claim: new CompletionClaim(-1)))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        // A stale attempt stores neither its lines nor its outcome.
        await agent.CompleteAsync(job.Id, new CompleteJobRequest(running.Attempt + 1, "succeeded", 0, null, null, Logs: [Line(1, "ghost")], Claim: new CompletionClaim(1)))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.StaleAttempt);

        Assert.Equal("running", (await GetJobAsync(tenant, job.Id)).State);
        Assert.Empty((await tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}/logs").ReadAsync<LogPageDto>()).Items);
    }

    [Fact]
    public async Task A_claim_hands_out_only_the_agents_own_tenants_jobs()
    {
        using var tenant = await TenantWithHelloAsync();
        using var other = await TenantWithHelloAsync();
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant, slots: 1);
        var job = await SubmitAsync(tenant);
        var running = await StartedAsync(agent);
        var foreign = await SubmitAsync(other);

        var response = await agent.CompleteAsync(job.Id, new CompleteJobRequest(running.Attempt, "succeeded", 0, null, null, Claim: new CompletionClaim(4)))
            .ReadAsync<CompleteJobResponse>();

        Assert.Empty(response.Jobs!);
        Assert.Equal("pending", (await GetJobAsync(other, foreign.Id)).State);
    }

    [Fact]
    public async Task A_poll_without_free_slots_does_not_release_what_a_completion_claimed_meanwhile()
    {
        using var tenant = await TenantWithHelloAsync();
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant, slots: 1);
        var job = await SubmitAsync(tenant);
        var running = await StartedAsync(agent);
        var next = await SubmitAsync(tenant);
        var response = await agent.CompleteAsync(job.Id, new CompleteJobRequest(running.Attempt, "succeeded", 0, null, null, Claim: new CompletionClaim(1)))
            .ReadAsync<CompleteJobResponse>();
        Assert.Single(response.Jobs!);

        // A heartbeat built before the agent saw that answer lists nothing: the claimed job stays assigned.
        await agent.PollAsync(0);
        Assert.Equal("assigned", (await GetJobAsync(tenant, next.Id)).State);

        // A poll that may claim, and still does not list it, means the answer was lost: released and handed out again.
        var again = await agent.PollAsync(1);
        Assert.Equal(next.Id, Assert.Single(again.Jobs).JobId);
        var events = await tenant.Client.GetAsync($"/api/v1/jobs/{next.Id}/events").ReadAsync<ListResponse<JobEventDto>>();
        Assert.Equal(["submitted", "assigned", "released", "assigned"], events.Items.Select(e => e.Type));
    }
}
