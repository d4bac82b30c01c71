using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Baton.Core.Api;
using Baton.Server.Tests.Support;
using Baton.Server.WorkItems;
using Microsoft.Extensions.DependencyInjection;

namespace Baton.Server.Tests.WorkItems;

/// <summary>
/// Work-item queue triggers through the API: set, read and removed by the right roles in the right tenant, refused with
/// the field at fault; and the jobs they start — on SQLite, and on PostgreSQL with two replicas starting at once —
/// never more than the trigger's maximum active, replaced when one ends.
/// </summary>
public sealed class WorkItemTriggerTests : IAsyncLifetime
{
    private readonly ServerHarness _a = new();
    private readonly ServerHarness _b = new();
    private TestPostgres? _postgres;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
    }

    private static void Fast(Hosting.ServerOptions o)
    {
        o.WorkItems.TriggerRestartDelay = TimeSpan.Zero;
        o.SchedulerInterval = TimeSpan.FromMilliseconds(200);
    }

    private async Task<IReadOnlyList<ServerHarness>> StartAsync(string backend)
    {
        if (backend == "sqlite")
        {
            await _a.StartAsync(Fast);
            return [_a];
        }
        _postgres = await TestPostgres.CreateAsync();
        void Configure(Hosting.ServerOptions o)
        {
            Fast(o);
            o.Storage = "postgres";
            o.Postgres = _postgres.AppConnectionString;
            o.PostgresMigration = _postgres.OwnerConnectionString;
        }
        await _a.StartAsync(Configure);
        await _b.StartAsync(Configure);
        return [_a, _b];
    }

    private static AddWorkItemsRequest Items(int count) =>
        new([.. Enumerable.Range(0, count).Select(i => new NewWorkItemRequest(JsonSerializer.SerializeToElement(new { n = i })))]);

    private static async Task<List<JobDto>> JobsAsync(TestTenant tenant) =>
        [.. (await tenant.Client.GetAsync("/api/v1/jobs?package=hello&limit=200").ReadAsync<ListResponse<JobDto>>()).Items];

    [Fact]
    public async Task A_trigger_is_set_read_changed_and_removed_by_operators_of_its_own_tenant()
    {
        await _a.StartAsync();
        using var tenant = await _a.CreateTenantAsync();
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);

        var created = await tenant.Client.PutAsJsonAsync("/api/v1/workitem-queues/invoices/trigger", new SetWorkItemTriggerRequest("hello", MaxJobs: 3, MinItems: 10))
            .ReadAsync<WorkItemTriggerDto>(HttpStatusCode.Created);
        Assert.Equal(("invoices", "hello", null, 3, 10), (created.Queue, created.Package, created.Version, created.MaxJobs, created.MinItems));
        Assert.Empty(created.ActiveJobs);
        var changed = await tenant.Client.PutAsJsonAsync("/api/v1/workitem-queues/invoices/trigger", new SetWorkItemTriggerRequest("hello", "1.0.0"))
            .ReadAsync<WorkItemTriggerDto>(HttpStatusCode.OK);
        Assert.Equal(("1.0.0", 1, 1, created.CreatedAt), (changed.Version, changed.MaxJobs, changed.MinItems, changed.CreatedAt));
        Assert.Equal(changed, await tenant.Client.GetAsync("/api/v1/workitem-queues/invoices/trigger").ReadAsync<WorkItemTriggerDto>(), TriggerComparer);

        // Another tenant finds nothing of it; a viewer reads it but cannot change or remove it.
        using var other = await _a.CreateTenantAsync();
        await other.Client.GetAsync("/api/v1/workitem-queues/invoices/trigger").ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await other.Client.DeleteAsync("/api/v1/workitem-queues/invoices/trigger").ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await other.Client.PutAsJsonAsync("/api/v1/workitem-queues/invoices/trigger", new SetWorkItemTriggerRequest("hello"))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        var viewerKey = (await tenant.Client.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("v", "viewer")).ReadAsync<CreatedApiKeyDto>(HttpStatusCode.Created)).Secret;
        using var viewer = _a.Client(viewerKey);
        await viewer.GetAsync("/api/v1/workitem-queues/invoices/trigger").ShouldBeAsync(HttpStatusCode.OK);
        await viewer.PutAsJsonAsync("/api/v1/workitem-queues/invoices/trigger", new SetWorkItemTriggerRequest("hello")).ShouldBeAsync(HttpStatusCode.Forbidden);
        await viewer.DeleteAsync("/api/v1/workitem-queues/invoices/trigger").ShouldBeAsync(HttpStatusCode.Forbidden);

        // Saving and removing are audited.
        var audit = await tenant.Client.GetAsync("/api/v1/audit?action=workitem_trigger.*").ReadAsync<ListResponse<AuditEntryDto>>();
        Assert.Equal(["workitem_trigger.updated", "workitem_trigger.created"], audit.Items.Select(e => e.Action));

        await tenant.Client.DeleteAsync("/api/v1/workitem-queues/invoices/trigger").ShouldBeAsync(HttpStatusCode.NoContent);
        await tenant.Client.GetAsync("/api/v1/workitem-queues/invoices/trigger").ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
    }

    [Fact]
    public async Task Invalid_triggers_are_refused_with_the_field_at_fault_and_change_nothing()
    {
        await _a.StartAsync();
        using var tenant = await _a.CreateTenantAsync();
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        async Task<string> RefusedAsync(string queue, object body)
        {
            var problem = await tenant.Client.PutAsJsonAsync($"/api/v1/workitem-queues/{queue}/trigger", body)
                .ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
            return problem.GetProperty("field").GetString()!;
        }

        Assert.Equal("queue", await RefusedAsync("Bad%20Name", new SetWorkItemTriggerRequest("hello")));
        Assert.Equal("package", await RefusedAsync("q", new SetWorkItemTriggerRequest(null)));
        Assert.Equal("maxJobs", await RefusedAsync("q", new SetWorkItemTriggerRequest("hello", MaxJobs: 0)));
        Assert.Equal("maxJobs", await RefusedAsync("q", new SetWorkItemTriggerRequest("hello", MaxJobs: 101)));
        Assert.Equal("minItems", await RefusedAsync("q", new SetWorkItemTriggerRequest("hello", MinItems: 0)));
        await tenant.Client.PutAsJsonAsync("/api/v1/workitem-queues/q/trigger", new SetWorkItemTriggerRequest("nowhere"))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await tenant.Client.PutAsJsonAsync("/api/v1/workitem-queues/q/trigger", new SetWorkItemTriggerRequest("hello", "9.9.9"))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await tenant.Client.PutAsync("/api/v1/workitem-queues/q/trigger",
            new StringContent("""{"package":"hello","maxjob":2}""", System.Text.Encoding.UTF8, "application/json")).ShouldBeAsync(HttpStatusCode.BadRequest);
        await tenant.Client.GetAsync("/api/v1/workitem-queues/q/trigger").ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Waiting_items_start_jobs_up_to_the_maximum_and_an_ended_job_is_replaced(string backend)
    {
        var replicas = await StartAsync(backend);
        using var tenant = await _a.CreateTenantAsync();
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        await tenant.Client.PutAsJsonAsync("/api/v1/workitem-queues/invoices/trigger", new SetWorkItemTriggerRequest("hello", MaxJobs: 3, MinItems: 5))
            .ShouldBeAsync(HttpStatusCode.Created);
        var starters = replicas.Select(r => r.Server.Services.GetRequiredService<WorkItemTriggerStarter>()).ToList();

        // Below the minimum: passes on every replica start nothing.
        await tenant.Client.PostAsJsonAsync("/api/v1/workitem-queues/invoices/items", Items(4)).ShouldBeAsync(HttpStatusCode.Created);
        foreach (var starter in starters) await starter.RunOnceAsync(default);
        Assert.Empty(await JobsAsync(tenant));

        // At the minimum: three jobs (no agent runs them, so they stay active), however many passes race on the replicas.
        await tenant.Client.PostAsJsonAsync("/api/v1/workitem-queues/invoices/items", Items(20)).ShouldBeAsync(HttpStatusCode.Created);
        await WaitForAsync(async () => (await JobsAsync(tenant)).Count == 3, TimeSpan.FromSeconds(30), "three jobs started");
        await Task.WhenAll(Enumerable.Range(0, 8).SelectMany(_ => starters).Select(s => Task.Run(() => s.RunOnceAsync(default))));
        var jobs = await JobsAsync(tenant);
        Assert.Equal(3, jobs.Count);
        Assert.All(jobs, j => Assert.Equal(("hello", "pending"), (j.Package, j.State)));
        var trigger = await tenant.Client.GetAsync("/api/v1/workitem-queues/invoices/trigger").ReadAsync<WorkItemTriggerDto>();
        Assert.Equal(jobs.Select(j => j.Id).Order(), trigger.ActiveJobs.Order());
        Assert.NotNull(trigger.LastStartedAt);

        // One ends (cancelled): its slot takes a new job, and the trigger is back at three active.
        await tenant.Client.PostAsync($"/api/v1/jobs/{jobs[0].Id}/cancel", null).ShouldBeAsync(HttpStatusCode.OK);
        await WaitForAsync(async () => (await JobsAsync(tenant)).Count == 4, TimeSpan.FromSeconds(30), "a replacement job");
        await Task.WhenAll(Enumerable.Range(0, 8).SelectMany(_ => starters).Select(s => Task.Run(() => s.RunOnceAsync(default))));
        jobs = await JobsAsync(tenant);
        Assert.Equal((4, 3), (jobs.Count, jobs.Count(j => j.State == "pending")));

        // Removed: nothing more starts.
        await tenant.Client.DeleteAsync("/api/v1/workitem-queues/invoices/trigger").ShouldBeAsync(HttpStatusCode.NoContent);
        await tenant.Client.PostAsync($"/api/v1/jobs/{jobs.First(j => j.State == "pending").Id}/cancel", null).ShouldBeAsync(HttpStatusCode.OK);
        foreach (var starter in starters) await starter.RunOnceAsync(default);
        Assert.Equal(4, (await JobsAsync(tenant)).Count);
    }

    [Fact]
    public async Task A_refused_start_is_shown_as_the_triggers_last_error()
    {
        await _a.StartAsync(Fast);
        using var tenant = await _a.CreateTenantAsync();
        var package = await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ReadAsync<PackageUploadResponse>(HttpStatusCode.Created);
        await tenant.Client.PutAsJsonAsync("/api/v1/workitem-queues/invoices/trigger", new SetWorkItemTriggerRequest("hello")).ShouldBeAsync(HttpStatusCode.Created);
        await tenant.Client.DeleteAsync($"/api/v1/packages/hello/{package.Package.Version}").ShouldBeAsync(HttpStatusCode.NoContent);

        await tenant.Client.PostAsJsonAsync("/api/v1/workitem-queues/invoices/items", Items(1)).ShouldBeAsync(HttpStatusCode.Created);
        await WaitForAsync(async () =>
            (await tenant.Client.GetAsync("/api/v1/workitem-queues/invoices/trigger").ReadAsync<WorkItemTriggerDto>()).LastError is { } error
                && error.Contains("'hello'", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "the refusal recorded");
        Assert.Empty(await JobsAsync(tenant));
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan within, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > within) throw new TimeoutException($"Not reached within {within}: {what}.");
            await Task.Delay(100);
        }
    }

    private static readonly IEqualityComparer<WorkItemTriggerDto> TriggerComparer = EqualityComparer<WorkItemTriggerDto>.Create(
        (x, y) => x is not null && y is not null && x with { ActiveJobs = [] } == y with { ActiveJobs = [] } && x.ActiveJobs.SequenceEqual(y.ActiveJobs));
}
