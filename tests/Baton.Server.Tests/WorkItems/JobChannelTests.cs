using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Baton.Core.AgentProtocol;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.WorkItems;

/// <summary>
/// The job's channel on the agent protocol: a running job (through the agent that holds it) claims, finishes and adds
/// work items and starts child jobs in its own tenant, fenced on its attempt; no other agent or tenant can act for it.
/// </summary>
public sealed class JobChannelTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync(o => o.WorkItems.MaxChildDepth = 2);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<(TestTenant Tenant, SimulatedAgent Agent, JobAssignment Job)> RunningJobAsync()
    {
        var tenant = await _server.CreateTenantAsync();
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ShouldBeAsync(HttpStatusCode.Created);
        var agent = await SimulatedAgent.RegisterAsync(_server, tenant, "worker");
        var job = await agent.ClaimOneAsync();
        await agent.StartAsync(job.JobId, job.Attempt).ShouldBeAsync(HttpStatusCode.NoContent);
        return (tenant, agent, job);
    }

    [Fact]
    public async Task A_running_job_claims_finishes_and_adds_items_of_its_own_tenant()
    {
        var (tenant, agent, job) = await RunningJobAsync();
        using var _ = tenant;
        using var __ = agent;
        var path = $"/api/agent/v1/jobs/{job.JobId}/workitems";
        await agent.Http.PostAsJsonAsync(path + "/add", new AddJobWorkItemsRequest(job.Attempt, "invoices",
            [new NewWorkItemRequest(JsonSerializer.SerializeToElement(new { n = 1 }), "INV-1"), new NewWorkItemRequest(Reference: "INV-2")]))
            .ShouldBeAsync(HttpStatusCode.OK);

        var claim = await agent.Http.PostAsJsonAsync(path + "/claim", new ClaimWorkItemRequest(job.Attempt, "invoices")).ReadAsync<ClaimWorkItemResponse>();
        Assert.Equal(("INV-1", 1, job.JobId), (claim.Item!.Reference, claim.Item.Attempts, claim.Item.JobId));
        Assert.Equal(60, claim.LeaseSeconds);
        await agent.Http.PostAsJsonAsync($"{path}/{claim.Item.Id}/complete",
            new CompleteWorkItemRequest(job.Attempt, claim.LeaseToken, "done", JsonSerializer.SerializeToElement(new { ok = true }))).ShouldBeAsync(HttpStatusCode.NoContent);
        // Again with the same token: no longer leased.
        await agent.Http.PostAsJsonAsync($"{path}/{claim.Item.Id}/complete", new CompleteWorkItemRequest(job.Attempt, claim.LeaseToken, "done"))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.InvalidState);

        var second = await agent.Http.PostAsJsonAsync(path + "/claim", new ClaimWorkItemRequest(job.Attempt, "invoices")).ReadAsync<ClaimWorkItemResponse>();
        await agent.Http.PostAsJsonAsync($"{path}/{second.Item!.Id}/complete", new CompleteWorkItemRequest(job.Attempt, second.LeaseToken, "failed"))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.Equal(1, (await agent.Http.PostAsJsonAsync(path + "/renew", new JobAttemptRequest(job.Attempt)).ReadAsync<WorkItemLeasesResponse>()).Items);
        Assert.Equal(1, (await agent.Http.PostAsJsonAsync(path + "/release", new JobAttemptRequest(job.Attempt)).ReadAsync<WorkItemLeasesResponse>()).Items);
        Assert.Null((await agent.Http.PostAsJsonAsync(path + "/claim", new ClaimWorkItemRequest(job.Attempt, "empty")).ReadAsync<ClaimWorkItemResponse>()).Item);

        var queue = await tenant.Client.GetAsync("/api/v1/workitem-queues/invoices").ReadAsync<WorkItemQueueDto>();
        Assert.Equal((1L, 1L, 0L), (queue.Pending, queue.Done, queue.InProgress));
        var done = await tenant.Client.GetAsync($"/api/v1/workitem-queues/invoices/items/{claim.Item.Id}").ReadAsync<WorkItemDto>();
        Assert.Equal((job.JobId, job.JobId), (done.AddedByJob, done.JobId));
        Assert.Equal(["added", "claimed", "done"], done.History!.Select(h => h.Type));

        // A stale attempt, the same tenant's other agent and another tenant's agent cannot act for the job.
        await agent.Http.PostAsJsonAsync(path + "/claim", new ClaimWorkItemRequest(job.Attempt + 1, "invoices"))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.StaleAttempt);
        using var sibling = await SimulatedAgent.RegisterAsync(_server, tenant, "sibling");
        await sibling.Http.PostAsJsonAsync(path + "/claim", new ClaimWorkItemRequest(job.Attempt, "invoices")).ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        using var other = await _server.CreateTenantAsync();
        using var stranger = await SimulatedAgent.RegisterAsync(_server, other, "stranger");
        await stranger.Http.PostAsJsonAsync(path + "/claim", new ClaimWorkItemRequest(job.Attempt, "invoices")).ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await stranger.Http.PostAsJsonAsync($"/api/agent/v1/jobs/{job.JobId}/children", new SubmitChildJobRequest(job.Attempt, "hello"))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);

        // Once the job ended, its channel is closed.
        await agent.CompleteAsync(job.JobId, job.Attempt, "succeeded").ShouldBeAsync(HttpStatusCode.OK);
        await agent.Http.PostAsJsonAsync(path + "/claim", new ClaimWorkItemRequest(job.Attempt, "invoices"))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.StaleAttempt);
    }

    [Fact]
    public async Task A_job_starts_children_waits_for_them_and_nesting_stops_at_the_depth_limit()
    {
        var (tenant, agent, job) = await RunningJobAsync();
        using var _ = tenant;
        using var __ = agent;
        var child = await agent.Http.PostAsJsonAsync($"/api/agent/v1/jobs/{job.JobId}/children",
            new SubmitChildJobRequest(job.Attempt, "hello", Inputs: new() { ["name"] = JsonSerializer.SerializeToElement("Ada") }, IdempotencyKey: "k1"))
            .ReadAsync<ChildJobDto>();
        Assert.Equal((1, "pending", "hello"), (child.Depth, child.Job.State, child.Job.Package));
        // The same key again (an answer the agent lost): the same child.
        var again = await agent.Http.PostAsJsonAsync($"/api/agent/v1/jobs/{job.JobId}/children", new SubmitChildJobRequest(job.Attempt, "hello", IdempotencyKey: "k1"))
            .ReadAsync<ChildJobDto>();
        Assert.Equal(child.Job.Id, again.Job.Id);
        await agent.Http.PostAsJsonAsync($"/api/agent/v1/jobs/{job.JobId}/children", new SubmitChildJobRequest(job.Attempt, "missing"))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);

        // The child runs (depth 1) and starts a grandchild (depth 2); the grandchild may not go deeper.
        var childRun = await agent.ClaimOneAsync();
        Assert.Equal(child.Job.Id, childRun.JobId);
        await agent.StartAsync(childRun.JobId, childRun.Attempt).ShouldBeAsync(HttpStatusCode.NoContent);
        var grandchild = await agent.Http.PostAsJsonAsync($"/api/agent/v1/jobs/{childRun.JobId}/children", new SubmitChildJobRequest(childRun.Attempt, "hello"))
            .ReadAsync<ChildJobDto>();
        Assert.Equal(2, grandchild.Depth);
        var grandRun = await agent.ClaimOneAsync();
        await agent.StartAsync(grandRun.JobId, grandRun.Attempt).ShouldBeAsync(HttpStatusCode.NoContent);
        var refused = await agent.Http.PostAsJsonAsync($"/api/agent/v1/jobs/{grandRun.JobId}/children", new SubmitChildJobRequest(grandRun.Attempt, "hello"))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity, ProblemTypes.Validation);
        Assert.Contains("at most 2 levels", refused.GetProperty("detail").GetString());

        // The parent waits for its child's end; it cannot wait for a job it did not start.
        var waiting = agent.Http.PostAsJsonAsync($"/api/agent/v1/jobs/{job.JobId}/children/{child.Job.Id}/wait", new WaitChildJobRequest(job.Attempt, 20));
        await agent.CompleteAsync(childRun.JobId, childRun.Attempt, "succeeded", new { greeting = "Hello, Ada!" }).ShouldBeAsync(HttpStatusCode.OK);
        var ended = await waiting.ReadAsync<ChildJobDto>();
        Assert.Equal(("succeeded", "Hello, Ada!"), (ended.Job.State, ended.Job.Result!.Value.GetProperty("greeting").GetString()));
        await agent.Http.PostAsJsonAsync($"/api/agent/v1/jobs/{job.JobId}/children/{grandRun.JobId}/wait", new WaitChildJobRequest(job.Attempt, 0))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
    }
}
