using System.Net;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests;

public sealed class TenantTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("free", 2, 5, 2, 2, 5, 1000, 100)]
    [InlineData("standard", 10, 25, 10, 5, 20, 5000, 1000)]
    [InlineData("professional", 50, 100, 50, 20, 100, 20000, 10000)]
    [InlineData("enterprise", 250, 500, 100, 50, 500, 100000, 50000)]
    public async Task A_new_tenant_gets_its_tiers_quotas_and_a_first_admin_key(
        string tier, int agents, int concurrent, int schedules, int queues, double storageGb, int apiCalls, int pendingJobs)
    {
        using var tenant = await _server.CreateTenantAsync(tier);
        var q = tenant.Tenant.Quotas;
        Assert.Equal((agents, concurrent, schedules, queues, storageGb, apiCalls, pendingJobs),
            (q.Agents, q.ConcurrentJobs, q.Schedules, q.Queues, q.StorageGb, q.ApiCallsPerDay, q.PendingJobs));
        var me = await tenant.Client.GetAsync("/api/v1/me").ReadAsync<WhoAmIDto>();
        Assert.Equal("admin", me.Role);
        Assert.False(me.SystemAdmin);
    }

    [Fact]
    public async Task The_default_tenant_and_system_admin_exist_after_the_first_start()
    {
        using var admin = _server.Client();
        var me = await admin.GetAsync("/api/v1/me").ReadAsync<WhoAmIDto>();
        Assert.Equal("default", me.TenantName);
        Assert.True(me.SystemAdmin);
        var tenants = await admin.GetAsync("/api/v1/tenants").ReadAsync<ListResponse<TenantDto>>();
        Assert.Contains(tenants.Items, t => t.Name == "default");
    }

    [Fact]
    public async Task Names_tiers_and_quotas_are_validated()
    {
        using var admin = _server.Client();
        await admin.PostAsJsonAsync("/api/v1/tenants", new { name = "Bad Name!" }).ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        await admin.PostAsJsonAsync("/api/v1/tenants", new { name = "ok-name", tier = "platinum" }).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        await admin.PostAsJsonAsync("/api/v1/tenants", new { name = "ok-name", quotas = new { agents = -1 } }).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        var name = "dup-" + Guid.NewGuid().ToString("N")[..8];
        await admin.PostAsJsonAsync("/api/v1/tenants", new { name }).ShouldBeAsync(HttpStatusCode.Created);
        await admin.PostAsJsonAsync("/api/v1/tenants", new { name }).ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.Conflict);
    }

    [Fact]
    public async Task Updating_a_tenant_changes_its_tier_and_overrides()
    {
        using var tenant = await _server.CreateTenantAsync("free");
        using var admin = _server.Client();
        var updated = await admin.PatchAsJsonAsync($"/api/v1/tenants/{tenant.Tenant.Id}", new { tier = "standard", quotas = new { concurrentJobs = 3 } })
            .ReadAsync<TenantDto>();
        Assert.Equal("standard", updated.Tier);
        Assert.Equal(3, updated.Quotas.ConcurrentJobs);
        Assert.Equal(10, updated.Quotas.Agents);

        var own = await tenant.Client.GetAsync("/api/v1/tenant").ReadAsync<TenantDto>();
        Assert.Equal(3, own.Quotas.ConcurrentJobs);
        Assert.NotNull(own.Usage);
        await admin.PatchAsJsonAsync("/api/v1/tenants/t_missing", new { tier = "free" }).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }
}
