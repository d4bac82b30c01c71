using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests;

public sealed class QueueTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Queues_are_created_listed_and_limited_by_the_quota()
    {
        using var tenant = await _server.CreateTenantAsync("free", new QuotaOverridesInput(Queues: 2));
        var created = await tenant.Client.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("reports", 5, 3)).ReadAsync<QueueDto>(HttpStatusCode.Created);
        Assert.Equal(("reports", 5, (int?)3, false), (created.Name, created.Priority, created.MaxConcurrency, created.Paused));

        var list = await tenant.Client.GetAsync("/api/v1/queues").ReadAsync<ListResponse<QueueDto>>();
        Assert.Equal(["default", "reports"], list.Items.Select(q => q.Name));

        var problem = await tenant.Client.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("third"))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.QuotaExceeded);
        Assert.Equal("queues", problem.GetProperty("field").GetString());
        await tenant.Client.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("reports"))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.Conflict);
        await tenant.Client.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("Bad Name"))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        await tenant.Client.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("x", Priority: 101))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
    }

    [Fact]
    public async Task Viewers_read_operators_write_and_other_tenants_get_404()
    {
        using var tenant = await _server.CreateTenantAsync();
        await tenant.Client.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("reports")).ShouldBeAsync(HttpStatusCode.Created);
        var viewer = await tenant.Client.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("viewer", "viewer")).ReadAsync<CreatedApiKeyDto>(HttpStatusCode.Created);
        using var viewerClient = _server.Client(viewer.Secret);
        await viewerClient.GetAsync("/api/v1/queues/reports").ShouldBeAsync(HttpStatusCode.OK);
        await viewerClient.PostAsync("/api/v1/queues/reports/pause", null).ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden);

        using var other = await _server.CreateTenantAsync();
        await other.Client.GetAsync("/api/v1/queues/reports").ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await other.Client.PostAsync("/api/v1/queues/reports/pause", null).ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await other.Client.PatchAsJsonAsync("/api/v1/queues/reports", new UpdateQueueRequest(Priority: 3))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
    }

    [Fact]
    public async Task Jobs_enter_the_named_queue_and_an_unknown_queue_is_404()
    {
        using var tenant = await _server.CreateTenantAsync();
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        await tenant.Client.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("reports")).ShouldBeAsync(HttpStatusCode.Created);

        var plain = await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ReadAsync<JobDto>(HttpStatusCode.Created);
        Assert.Equal("default", plain.Queue);
        var queued = await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello", Queue: "reports")).ReadAsync<JobDto>(HttpStatusCode.Created);
        Assert.Equal("reports", queued.Queue);
        var problem = await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello", Queue: "nope"))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        Assert.Contains("nope", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_paused_queue_holds_its_jobs_and_resuming_wakes_a_waiting_poll_at_once()
    {
        using var tenant = await _server.CreateTenantAsync();
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        await tenant.Client.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("reports")).ShouldBeAsync(HttpStatusCode.Created);
        var paused = await tenant.Client.PostAsync("/api/v1/queues/reports/pause", null).ReadAsync<QueueDto>();
        Assert.True(paused.Paused);
        var job = await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello", Queue: "reports")).ReadAsync<JobDto>(HttpStatusCode.Created);
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant);
        Assert.Empty((await agent.PollAsync(4)).Jobs);

        var polling = agent.PollAsync(4, waitSeconds: 10);
        await Task.Delay(300);
        var clock = Stopwatch.StartNew();
        var resumed = await tenant.Client.PostAsync("/api/v1/queues/reports/resume", null).ReadAsync<QueueDto>();
        Assert.False(resumed.Paused);
        var poll = await polling;
        Assert.Equal(job.Id, Assert.Single(poll.Jobs).JobId);
        Assert.True(clock.ElapsedMilliseconds < 1500, $"The waiting poll took {clock.ElapsedMilliseconds} ms to get the job.");
    }

    [Fact]
    public async Task A_queue_cap_limits_claims_and_patch_changes_it()
    {
        using var tenant = await _server.CreateTenantAsync();
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        await tenant.Client.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("narrow", MaxConcurrency: 1)).ShouldBeAsync(HttpStatusCode.Created);
        for (var i = 0; i < 3; i++)
        {
            await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello", Queue: "narrow")).ShouldBeAsync(HttpStatusCode.Created);
        }
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant, slots: 8);
        var first = await agent.PollAsync(8);
        Assert.Single(first.Jobs);
        var holding = first.Jobs.Select(j => new Baton.Core.AgentProtocol.RunningJobReport(j.JobId, j.Attempt)).ToList();

        var widened = await tenant.Client.PatchAsJsonAsync("/api/v1/queues/narrow", new UpdateQueueRequest(MaxConcurrency: 2)).ReadAsync<QueueDto>();
        Assert.Equal(2, widened.MaxConcurrency);
        Assert.Single((await agent.PollAsync(7, holding)).Jobs);

        var unlimited = await tenant.Client.PatchAsJsonAsync("/api/v1/queues/narrow", new UpdateQueueRequest(Unlimited: true)).ReadAsync<QueueDto>();
        Assert.Null(unlimited.MaxConcurrency);
    }
}
