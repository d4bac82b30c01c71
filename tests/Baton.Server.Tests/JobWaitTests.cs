using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests;

/// <summary><c>GET /api/v1/jobs/{id}/wait</c>: the long-poll behind <c>baton job run --wait</c>.</summary>
public sealed class JobWaitTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<(TestTenant Tenant, JobDto Job)> SubmitHelloAsync()
    {
        var tenant = await _server.CreateTenantAsync();
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        var job = await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ReadAsync<JobDto>(HttpStatusCode.Created);
        return (tenant, job);
    }

    [Fact]
    public async Task Answers_the_moment_the_job_ends_not_at_the_timeout()
    {
        var (tenant, job) = await SubmitHelloAsync();
        using var _ = tenant;
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant);
        var assignment = await agent.ClaimOneAsync();
        await agent.StartAsync(job.Id, assignment.Attempt).ShouldBeAsync(HttpStatusCode.NoContent);

        var clock = Stopwatch.StartNew();
        var waiting = tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}/wait?timeout=30");
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        await agent.CompleteAsync(job.Id, assignment.Attempt, "succeeded", new { greeting = "hi" }).ShouldBeAsync(HttpStatusCode.OK);
        var ended = await waiting.ReadAsync<JobDto>();

        Assert.Equal("succeeded", ended.State);
        Assert.Equal("hi", ended.Result!.Value.GetProperty("greeting").GetString());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task With_a_state_it_answers_when_the_job_leaves_it_and_at_the_timeout_with_the_job_as_it_is()
    {
        var (tenant, job) = await SubmitHelloAsync();
        using var _ = tenant;

        var unchanged = await tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}/wait?state=pending&timeout=1").ReadAsync<JobDto>();
        Assert.Equal("pending", unchanged.State);

        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant);
        var assignment = await agent.ClaimOneAsync();
        var assigned = await tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}/wait?state=pending&timeout=30").ReadAsync<JobDto>();
        Assert.Equal("assigned", assigned.State);

        var waiting = tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}/wait?state=assigned&timeout=30");
        await agent.StartAsync(job.Id, assignment.Attempt).ShouldBeAsync(HttpStatusCode.NoContent);
        Assert.Equal("running", (await waiting.ReadAsync<JobDto>()).State);
    }

    [Fact]
    public async Task Another_tenants_job_is_not_found_and_bad_parameters_are_refused()
    {
        var (tenant, job) = await SubmitHelloAsync();
        using var _ = tenant;
        using var other = await _server.CreateTenantAsync();

        await other.Client.GetAsync($"/api/v1/jobs/{job.Id}/wait?timeout=1").ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await tenant.Client.GetAsync("/api/v1/jobs/no-such-job/wait?timeout=1").ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        var tooLong = await tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}/wait?timeout=61").ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.Contains("timeout", tooLong.GetRawText(), StringComparison.Ordinal);
        await tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}/wait?state=sleeping").ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
    }
}
