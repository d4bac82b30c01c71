using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests;

public sealed class QuotaTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Registration_past_the_agent_quota_is_refused_with_a_reason()
    {
        using var tenant = await _server.CreateTenantAsync("free");
        using var a = await SimulatedAgent.RegisterAsync(_server, tenant, "a");
        using var b = await SimulatedAgent.RegisterAsync(_server, tenant, "b");
        var token = await SimulatedAgent.CreateEnrollmentTokenAsync(tenant);
        var problem = await SimulatedAgent.TryRegisterAsync(_server, token, "c").ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.QuotaExceeded);
        Assert.Contains("2 online agent", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Jobs_past_the_concurrency_quota_wait_instead_of_failing()
    {
        using var tenant = await _server.CreateTenantAsync("free", new QuotaOverridesInput(ConcurrentJobs: 2));
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        for (var i = 0; i < 4; i++) await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ShouldBeAsync(HttpStatusCode.Created);
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant, slots: 8);

        var first = await agent.PollAsync(8);
        Assert.Equal(2, first.Jobs.Count);
        var holding = first.Jobs.Select(j => new Baton.Core.AgentProtocol.RunningJobReport(j.JobId, j.Attempt)).ToList();
        Assert.Empty((await agent.PollAsync(6, holding)).Jobs);
        var pending = await tenant.Client.GetAsync("/api/v1/jobs?state=pending").ReadAsync<ListResponse<JobDto>>();
        Assert.Equal(2, pending.Items.Count);

        // A finished job frees a slot for the next one.
        await agent.CompleteAsync(first.Jobs[0].JobId, first.Jobs[0].Attempt, "succeeded", new { }).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Single((await agent.PollAsync(6, holding.Skip(1).ToList())).Jobs);
    }

    [Fact]
    public async Task Uploads_past_the_storage_quota_are_refused_and_store_nothing()
    {
        // About 600 bytes of storage: room for one small package (~400 bytes), not two.
        using var tenant = await _server.CreateTenantAsync("free", new QuotaOverridesInput(StorageGb: 600.0 / (1024 * 1024 * 1024)));
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello(version: "1.0.0"))).ShouldBeAsync(HttpStatusCode.Created);
        var problem = await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello(version: "2.0.0")))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.QuotaExceeded);
        Assert.Equal("storageGb", problem.GetProperty("field").GetString());
        var versions = await tenant.Client.GetAsync("/api/v1/packages/hello").ReadAsync<ListResponse<PackageVersionDto>>();
        Assert.Single(versions.Items);
    }

    [Fact]
    public async Task Calls_past_the_daily_api_quota_get_429_with_retry_after()
    {
        using var tenant = await _server.CreateTenantAsync("free", new QuotaOverridesInput(ApiCallsPerDay: 5));
        for (var i = 0; i < 5; i++) await tenant.Client.GetAsync("/api/v1/jobs").ShouldBeAsync(HttpStatusCode.OK);
        var response = await tenant.Client.GetAsync("/api/v1/jobs");
        await response.ShouldBeAsync(HttpStatusCode.TooManyRequests);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal(ProblemTypes.RateLimited, problem.GetProperty("type").GetString());

        // Other tenants are not affected.
        using var other = await _server.CreateTenantAsync("free");
        await other.Client.GetAsync("/api/v1/jobs").ShouldBeAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_long_polling_agent_gets_a_new_job_at_once_not_after_a_poll_interval()
    {
        using var tenant = await _server.CreateTenantAsync();
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant);
        var polling = agent.PollAsync(1, waitSeconds: 10);
        await Task.Delay(300);
        var clock = Stopwatch.StartNew();
        await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ShouldBeAsync(HttpStatusCode.Created);
        var poll = await polling;
        Assert.Single(poll.Jobs);
        Assert.True(clock.ElapsedMilliseconds < 1500, $"The waiting poll took {clock.ElapsedMilliseconds} ms to get the job.");
    }

    [Fact]
    public async Task Submissions_past_the_pending_jobs_quota_get_429_with_retry_after_until_the_backlog_drains()
    {
        using var tenant = await _server.CreateTenantAsync("free", new QuotaOverridesInput(PendingJobs: 2));
        Assert.Equal(2, tenant.Tenant.Quotas.PendingJobs);
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        for (var i = 0; i < 2; i++) await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ShouldBeAsync(HttpStatusCode.Created);

        var response = await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello"));
        await response.ShouldBeAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal(ProblemTypes.RateLimited, problem.GetProperty("type").GetString());
        Assert.Contains("2 pending jobs", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, problem.GetProperty("pending").GetInt32());
        var pending = await tenant.Client.GetAsync("/api/v1/jobs?state=pending").ReadAsync<ListResponse<JobDto>>();
        Assert.Equal(2, pending.Items.Count);

        // An agent takes one: there is room for one more.
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant, slots: 1);
        Assert.Single((await agent.PollAsync(1)).Jobs);
        await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ShouldBeAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Free_tier_tenants_default_to_100_pending_jobs()
    {
        using var tenant = await _server.CreateTenantAsync("free");
        Assert.Equal(100, tenant.Tenant.Quotas.PendingJobs);
    }
}
