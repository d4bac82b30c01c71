using System.Net;
using System.Net.Http.Json;
using Baton.Core.AgentProtocol;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests;

/// <summary><c>GET /api/v1/jobs/{id}/why</c>: each reason a pending job can wait for, in words.</summary>
public sealed class JobWhyTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_job_that_is_not_pending_says_what_it_is_doing()
    {
        using var tenant = await TenantWithPackageAsync();
        var job = await SubmitAsync(tenant);
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant);
        Assert.Single((await agent.PollAsync(1)).Jobs);

        var why = await WhyAsync(tenant, job.Id);
        Assert.Equal("assigned", why.State);
        Assert.Equal([$"not waiting: assigned to agent {agent.Id}"], why.Reasons);

        await tenant.Client.GetAsync("/api/v1/jobs/j_missing/why").ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        using var other = await _server.CreateTenantAsync();
        await other.Client.GetAsync($"/api/v1/jobs/{job.Id}/why").ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
    }

    [Fact]
    public async Task No_online_agent_and_the_count_of_jobs_ahead()
    {
        using var tenant = await TenantWithPackageAsync();
        await SubmitAsync(tenant);
        await SubmitAsync(tenant, priority: 5);
        await SubmitAsync(tenant, priority: -5);
        var job = await SubmitAsync(tenant);

        var why = await WhyAsync(tenant, job.Id);
        Assert.Equal("pending", why.State);
        Assert.Equal(["no online agent", "2 jobs ahead of it"], why.Reasons);
    }

    [Fact]
    public async Task No_online_agent_meets_its_requirements()
    {
        using var tenant = await TenantWithPackageAsync();
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant, capabilities: SimulatedAgent.LinuxWithPython("3.11.7"));
        var job = await SubmitAsync(tenant, requirements: ["python>=3.12"]);

        var why = await WhyAsync(tenant, job.Id);
        Assert.Equal(["no online agent has python>=3.12", "0 jobs ahead of it"], why.Reasons);
    }

    [Fact]
    public async Task Capable_agents_without_a_free_slot()
    {
        using var tenant = await TenantWithPackageAsync();
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant, slots: 1);
        await SubmitAsync(tenant);
        Assert.Single((await agent.PollAsync(1)).Jobs);
        var job = await SubmitAsync(tenant);

        var why = await WhyAsync(tenant, job.Id);
        Assert.Equal(["no free slot on the 1 online agent(s) that can run it (1/1 slots in use)", "0 jobs ahead of it"], why.Reasons);
    }

    [Fact]
    public async Task A_paused_queue_and_a_queue_at_its_cap()
    {
        using var tenant = await TenantWithPackageAsync();
        await tenant.Client.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("narrow", MaxConcurrency: 1)).ShouldBeAsync(HttpStatusCode.Created);
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant, slots: 8);
        await SubmitAsync(tenant, queue: "narrow");
        var first = await agent.PollAsync(8);
        Assert.Single(first.Jobs);
        var job = await SubmitAsync(tenant, queue: "narrow");

        Assert.Equal(["queue 'narrow' at 1/1 concurrent jobs", "0 jobs ahead of it"], (await WhyAsync(tenant, job.Id)).Reasons);

        await tenant.Client.PostAsync("/api/v1/queues/narrow/pause", null).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal(["queue 'narrow' is paused", "queue 'narrow' at 1/1 concurrent jobs", "0 jobs ahead of it"], (await WhyAsync(tenant, job.Id)).Reasons);
    }

    [Fact]
    public async Task The_tenant_at_its_concurrency_cap()
    {
        using var tenant = await TenantWithPackageAsync(new QuotaOverridesInput(ConcurrentJobs: 1));
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant, slots: 8);
        await SubmitAsync(tenant);
        Assert.Single((await agent.PollAsync(8)).Jobs);
        var job = await SubmitAsync(tenant);

        Assert.Equal(["tenant at 1/1 concurrent jobs", "0 jobs ahead of it"], (await WhyAsync(tenant, job.Id)).Reasons);
    }

    [Fact]
    public async Task A_failed_attempt_waits_for_its_retry_backoff()
    {
        using var tenant = await TenantWithPackageAsync();
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant);
        var job = await SubmitAsync(tenant, maxAttempts: 3);
        var assignment = Assert.Single((await agent.PollAsync(1)).Jobs);
        await agent.StartAsync(job.Id, assignment.Attempt).ShouldBeAsync(HttpStatusCode.NoContent);
        await agent.CompleteAsync(job.Id, assignment.Attempt, "failed", error: "boom", exitCode: 1).ShouldBeAsync(HttpStatusCode.OK);

        var retrying = await tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}").ReadAsync<JobDto>();
        Assert.Equal("pending", retrying.State);
        var why = await WhyAsync(tenant, job.Id);
        Assert.StartsWith("waiting for retry backoff until ", why.Reasons[0], StringComparison.Ordinal);
        Assert.Contains(retrying.NotBefore!.Value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), why.Reasons[0], StringComparison.Ordinal);
    }

    private async Task<TestTenant> TenantWithPackageAsync(QuotaOverridesInput? quotas = null)
    {
        var tenant = await _server.CreateTenantAsync("enterprise", quotas);
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        return tenant;
    }

    private static Task<JobDto> SubmitAsync(
        TestTenant tenant, int? priority = null, string? queue = null, IReadOnlyList<string>? requirements = null, int? maxAttempts = null) =>
        tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello", Priority: priority, Queue: queue, Requirements: requirements, MaxAttempts: maxAttempts))
            .ReadAsync<JobDto>(HttpStatusCode.Created);

    private static Task<JobWhyDto> WhyAsync(TestTenant tenant, string jobId) =>
        tenant.Client.GetAsync($"/api/v1/jobs/{jobId}/why").ReadAsync<JobWhyDto>();
}
