using System.Net;
using System.Net.Http.Json;
using Baton.Core.AgentProtocol;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests;

/// <summary>Agent groups, resource requests, priority changes and reserved capacity over real HTTP.</summary>
public sealed class DispatchTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Queues_carry_agent_groups_and_reservations()
    {
        using var tenant = await TenantWithPackageAsync();
        var created = await tenant.Client.PostAsJsonAsync("/api/v1/queues",
            new CreateQueueRequest("gpu", AgentGroups: ["render", "gpu", "gpu"], ReservedSlots: 2, ReservedMinPriority: 50)).ReadAsync<QueueDto>(HttpStatusCode.Created);
        Assert.Equal(["gpu", "render"], created.AgentGroups!);
        Assert.Equal((2, 50), (created.ReservedSlots, created.ReservedMinPriority));

        var updated = await tenant.Client.PatchAsJsonAsync("/api/v1/queues/gpu", new UpdateQueueRequest(AgentGroups: [], ReservedSlots: 0)).ReadAsync<QueueDto>();
        Assert.Equal((0, 0, 50), (updated.AgentGroups!.Count, updated.ReservedSlots, updated.ReservedMinPriority));

        var invalid = await tenant.Client.PatchAsJsonAsync("/api/v1/queues/gpu", new UpdateQueueRequest(AgentGroups: ["Bad Group"], ReservedSlots: -1))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.Equal("agentGroups[0]", invalid.GetProperty("field").GetString());
        Assert.Empty((await tenant.Client.GetAsync("/api/v1/queues/gpu").ReadAsync<QueueDto>()).AgentGroups!);
    }

    [Fact]
    public async Task Only_agents_of_a_serving_group_get_a_queues_jobs()
    {
        using var tenant = await TenantWithPackageAsync();
        await tenant.Client.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("gpu", AgentGroups: ["gpu"])).ShouldBeAsync(HttpStatusCode.Created);
        var job = await SubmitAsync(tenant, new SubmitJobRequest("hello", Queue: "gpu"));
        using var plain = await SimulatedAgent.RegisterAsync(_server, tenant, "plain");

        Assert.Empty((await plain.PollAsync(4)).Jobs);
        Assert.Equal(["no online agent in group(s) gpu serves queue 'gpu'", "0 jobs ahead of it"], await WhyAsync(tenant, job.Id));
        using var gpu = await SimulatedAgent.RegisterAsync(_server, tenant, "gpu", SimulatedAgent.LinuxWithPython() with { Group = "gpu" });
        Assert.Equal(job.Id, Assert.Single((await gpu.PollAsync(4)).Jobs).JobId);

        var agents = await tenant.Client.GetAsync("/api/v1/agents").ReadAsync<ListResponse<AgentDto>>();
        Assert.Equal(["gpu", "default"], agents.Items.OrderBy(a => a.Name).Select(a => a.Group)); // gpu, plain
        var token = await SimulatedAgent.CreateEnrollmentTokenAsync(tenant);
        await SimulatedAgent.TryRegisterAsync(_server, token, capabilities: SimulatedAgent.LinuxWithPython() with { Group = "No Way" })
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
    }

    [Fact]
    public async Task Jobs_requesting_more_than_any_agent_has_free_wait_and_say_so()
    {
        using var tenant = await TenantWithPackageAsync();
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant, resources: new AgentResources(4, 8192, 1000));
        var first = await SubmitAsync(tenant, new SubmitJobRequest("hello", Cpu: 2.5m, MemoryMb: 1024));
        Assert.Equal((2.5m, 1024L), (first.Cpu, first.MemoryMb));
        var held = Assert.Single((await agent.PollAsync(4)).Jobs);
        RunningJobReport[] running = [new(held.JobId, held.Attempt)];

        var second = await SubmitAsync(tenant, new SubmitJobRequest("hello", Cpu: 2m));
        Assert.Empty((await agent.PollAsync(4, running)).Jobs);
        Assert.Equal(["needs 2 CPU, the largest free is 1.5", "0 jobs ahead of it"], await WhyAsync(tenant, second.Id));

        var memory = await SubmitAsync(tenant, new SubmitJobRequest("hello", MemoryMb: 9000));
        Assert.Equal("needs 9000 MB of memory, the largest free is 7168 MB", (await WhyAsync(tenant, memory.Id))[0]);
        await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello", Cpu: 0.0001m))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
    }

    [Fact]
    public async Task Reserved_slots_hold_back_low_priority_jobs_and_why_says_so()
    {
        using var tenant = await TenantWithPackageAsync(new QuotaOverridesInput(ConcurrentJobs: 3));
        await tenant.Client.PatchAsJsonAsync("/api/v1/queues/default", new UpdateQueueRequest(ReservedSlots: 2, ReservedMinPriority: 50)).ShouldBeAsync(HttpStatusCode.OK);
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant, slots: 8);
        await SubmitAsync(tenant, new SubmitJobRequest("hello"));
        var low = await SubmitAsync(tenant, new SubmitJobRequest("hello"));
        var held = Assert.Single((await agent.PollAsync(8)).Jobs);

        Assert.Equal(["2 of the tenant's slots are reserved for queue 'default' jobs with priority >= 50 and only 2 are free (this job has priority 0)", "0 jobs ahead of it"],
            await WhyAsync(tenant, low.Id));
        var high = await SubmitAsync(tenant, new SubmitJobRequest("hello", Priority: 60));
        Assert.Equal(high.Id, Assert.Single((await agent.PollAsync(8, [new(held.JobId, held.Attempt)])).Jobs).JobId);
    }

    [Fact]
    public async Task A_pending_jobs_priority_can_change_and_only_while_pending()
    {
        using var tenant = await TenantWithPackageAsync();
        var first = await SubmitAsync(tenant, new SubmitJobRequest("hello"));
        var second = await SubmitAsync(tenant, new SubmitJobRequest("hello"));

        var raised = await tenant.Client.PatchAsJsonAsync($"/api/v1/jobs/{second.Id}", new UpdateJobRequest(30)).ReadAsync<JobDto>();
        Assert.Equal(30, raised.Priority);
        var events = await tenant.Client.GetAsync($"/api/v1/jobs/{second.Id}/events").ReadAsync<ListResponse<JobEventDto>>();
        Assert.Equal("priority_changed", events.Items[^1].Type);

        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant);
        Assert.Equal(second.Id, Assert.Single((await agent.PollAsync(1)).Jobs).JobId);
        var conflict = await tenant.Client.PatchAsJsonAsync($"/api/v1/jobs/{second.Id}", new UpdateJobRequest(1))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.InvalidState);
        Assert.Equal("not-pending", conflict.GetProperty("reason").GetString());

        await tenant.Client.PatchAsJsonAsync($"/api/v1/jobs/{first.Id}", new UpdateJobRequest(101)).ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        await tenant.Client.PatchAsJsonAsync($"/api/v1/jobs/{first.Id}", new UpdateJobRequest()).ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        using var other = await _server.CreateTenantAsync();
        await other.Client.PatchAsJsonAsync($"/api/v1/jobs/{first.Id}", new UpdateJobRequest(5)).ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        var viewer = await tenant.Client.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("viewer", "viewer")).ReadAsync<CreatedApiKeyDto>(HttpStatusCode.Created);
        using var viewerClient = _server.Client(viewer.Secret);
        await viewerClient.PatchAsJsonAsync($"/api/v1/jobs/{first.Id}", new UpdateJobRequest(5)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        Assert.Equal(0, (await tenant.Client.GetAsync($"/api/v1/jobs/{first.Id}").ReadAsync<JobDto>()).Priority);
    }

    private async Task<TestTenant> TenantWithPackageAsync(QuotaOverridesInput? quotas = null)
    {
        var tenant = await _server.CreateTenantAsync("enterprise", quotas);
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        return tenant;
    }

    private static Task<JobDto> SubmitAsync(TestTenant tenant, SubmitJobRequest request) =>
        tenant.Client.PostAsJsonAsync("/api/v1/jobs", request).ReadAsync<JobDto>(HttpStatusCode.Created);

    private static async Task<IReadOnlyList<string>> WhyAsync(TestTenant tenant, string jobId) =>
        (await tenant.Client.GetAsync($"/api/v1/jobs/{jobId}/why").ReadAsync<JobWhyDto>()).Reasons;
}
