using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.WorkItems;

/// <summary>The work-item API: adding (validation, duplicate references), reading counts, pages and history, roles and tenants.</summary>
public sealed class WorkItemApiTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static AddWorkItemsRequest Items(params string[] references) =>
        new([.. references.Select((r, i) => new NewWorkItemRequest(JsonSerializer.SerializeToElement(new { invoice = r }), r, Priority: i))]);

    [Fact]
    public async Task Items_are_added_counted_listed_and_shown_with_their_history()
    {
        using var tenant = await _server.CreateTenantAsync();
        var added = await tenant.Client.PostAsJsonAsync("/api/v1/workitem-queues/invoices/items", Items("INV-1", "INV-2", "INV-3"))
            .ReadAsync<AddWorkItemsResponse>(HttpStatusCode.Created);
        Assert.Equal(["INV-1", "INV-2", "INV-3"], added.Items.Select(i => i.Reference));
        Assert.All(added.Items, i => Assert.Equal(("pending", 0, 3), (i.State, i.Attempts, i.MaxAttempts)));

        var queue = await tenant.Client.GetAsync("/api/v1/workitem-queues/invoices").ReadAsync<WorkItemQueueDto>();
        Assert.Equal(("invoices", 3L, 0L), (queue.Name, queue.Pending, queue.Done));
        var all = await tenant.Client.GetAsync("/api/v1/workitem-queues").ReadAsync<ListResponse<WorkItemQueueDto>>();
        Assert.Equal(["invoices"], all.Items.Select(q => q.Name));

        var page = await tenant.Client.GetAsync("/api/v1/workitem-queues/invoices/items?limit=2").ReadAsync<ListResponse<WorkItemDto>>();
        Assert.Equal(2, page.Items.Count);
        var rest = await tenant.Client.GetAsync($"/api/v1/workitem-queues/invoices/items?limit=2&after={page.NextCursor}").ReadAsync<ListResponse<WorkItemDto>>();
        Assert.Equal("INV-3", Assert.Single(rest.Items).Reference);
        Assert.Empty((await tenant.Client.GetAsync("/api/v1/workitem-queues/invoices/items?state=done").ReadAsync<ListResponse<WorkItemDto>>()).Items);

        var item = await tenant.Client.GetAsync($"/api/v1/workitem-queues/invoices/items/{added.Items[0].Id}").ReadAsync<WorkItemDto>();
        Assert.Equal("INV-1", item.Payload.GetProperty("invoice").GetString());
        Assert.Equal(["added"], item.History!.Select(h => h.Type));
        await tenant.Client.GetAsync($"/api/v1/workitem-queues/other/items/{added.Items[0].Id}").ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await tenant.Client.GetAsync("/api/v1/workitem-queues/nothing-here").ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
    }

    [Fact]
    public async Task A_duplicate_reference_is_refused_and_nothing_is_added()
    {
        using var tenant = await _server.CreateTenantAsync();
        await tenant.Client.PostAsJsonAsync("/api/v1/workitem-queues/invoices/items", Items("INV-1")).ShouldBeAsync(HttpStatusCode.Created);
        var problem = await tenant.Client.PostAsJsonAsync("/api/v1/workitem-queues/invoices/items", Items("INV-2", "INV-1"))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.Conflict);
        Assert.Contains("'INV-1'", problem.GetProperty("detail").GetString());
        Assert.Equal("reference", problem.GetProperty("field").GetString());
        Assert.Equal(1, (await tenant.Client.GetAsync("/api/v1/workitem-queues/invoices").ReadAsync<WorkItemQueueDto>()).Pending);
    }

    [Fact]
    public async Task Invalid_items_are_refused_with_the_field_at_fault_and_change_nothing()
    {
        using var tenant = await _server.CreateTenantAsync();
        async Task<string> RefusedAsync(string path, object body)
        {
            var problem = await tenant.Client.PostAsJsonAsync(path, body).ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
            return problem.GetProperty("field").GetString()!;
        }

        Assert.Equal("queue", await RefusedAsync("/api/v1/workitem-queues/Bad%20Name/items", Items("a")));
        Assert.Equal("items", await RefusedAsync("/api/v1/workitem-queues/q/items", new AddWorkItemsRequest([])));
        Assert.Equal("items", await RefusedAsync("/api/v1/workitem-queues/q/items",
            new AddWorkItemsRequest([.. Enumerable.Range(0, 1001).Select(_ => new NewWorkItemRequest())])));
        Assert.Equal("items[0].priority", await RefusedAsync("/api/v1/workitem-queues/q/items", new AddWorkItemsRequest([new NewWorkItemRequest(Priority: 101)])));
        Assert.Equal("items[0].maxAttempts", await RefusedAsync("/api/v1/workitem-queues/q/items", new AddWorkItemsRequest([new NewWorkItemRequest(MaxAttempts: 0)])));
        Assert.Equal("items[1].reference", await RefusedAsync("/api/v1/workitem-queues/q/items", Items("same", "same")));
        Assert.Equal("items[0].payload", await RefusedAsync("/api/v1/workitem-queues/q/items",
            new AddWorkItemsRequest([new NewWorkItemRequest(JsonSerializer.SerializeToElement(new string('x', 70_000)))])));
        // A misspelt field is an error, not a silently ignored key.
        await tenant.Client.PostAsync("/api/v1/workitem-queues/q/items",
                new StringContent("""{"items":[{"refrence":"x"}]}""", System.Text.Encoding.UTF8, "application/json"))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        await tenant.Client.GetAsync("/api/v1/workitem-queues/q/items?state=lost").ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.Empty((await tenant.Client.GetAsync("/api/v1/workitem-queues").ReadAsync<ListResponse<WorkItemQueueDto>>()).Items);
    }

    [Fact]
    public async Task Viewers_read_operators_add_and_other_tenants_see_nothing()
    {
        using var tenant = await _server.CreateTenantAsync();
        var added = await tenant.Client.PostAsJsonAsync("/api/v1/workitem-queues/invoices/items", Items("INV-1"))
            .ReadAsync<AddWorkItemsResponse>(HttpStatusCode.Created);
        var viewer = await tenant.Client.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("viewer", "viewer")).ReadAsync<CreatedApiKeyDto>(HttpStatusCode.Created);
        using var viewerClient = _server.Client(viewer.Secret);
        await viewerClient.GetAsync("/api/v1/workitem-queues/invoices").ShouldBeAsync(HttpStatusCode.OK);
        await viewerClient.GetAsync($"/api/v1/workitem-queues/invoices/items/{added.Items[0].Id}").ShouldBeAsync(HttpStatusCode.OK);
        await viewerClient.PostAsJsonAsync("/api/v1/workitem-queues/invoices/items", Items("INV-2")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden);

        using var other = await _server.CreateTenantAsync();
        await other.Client.GetAsync("/api/v1/workitem-queues/invoices").ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await other.Client.GetAsync($"/api/v1/workitem-queues/invoices/items/{added.Items[0].Id}").ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        Assert.Empty((await other.Client.GetAsync("/api/v1/workitem-queues/invoices/items").ReadAsync<ListResponse<WorkItemDto>>()).Items);
        // Its own queue of the same name is its own: the reference is free there, and the owner's queue is unchanged.
        await other.Client.PostAsJsonAsync("/api/v1/workitem-queues/invoices/items", Items("INV-1")).ShouldBeAsync(HttpStatusCode.Created);
        Assert.Equal(1, (await tenant.Client.GetAsync("/api/v1/workitem-queues/invoices").ReadAsync<WorkItemQueueDto>()).Pending);
    }

    [Fact]
    public async Task The_waiting_items_are_a_metric_by_tenant_and_queue()
    {
        using var tenant = await _server.CreateTenantAsync();
        // An online agent makes the tenant active, so it keeps its own tenant label.
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant, "metrics-agent");
        await tenant.Client.PostAsJsonAsync("/api/v1/workitem-queues/invoices/items", Items("INV-1", "INV-2", "INV-3")).ShouldBeAsync(HttpStatusCode.Created);
        using var scraper = _server.Client(bearer: null);
        var expected = $"orchestrator_workitem_queue_depth{{tenant=\"{tenant.Tenant.Name}\",queue=\"invoices\"}} 3";
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string text;
        do
        {
            text = await scraper.GetStringAsync("/metrics");
            if (text.Contains(expected, StringComparison.Ordinal)) return;
            await Task.Delay(500);
        }
        while (clock.Elapsed < TimeSpan.FromSeconds(30));
        Assert.Fail($"No '{expected}' in /metrics:\n{string.Join('\n', text.Split('\n').Where(l => l.Contains("workitem", StringComparison.Ordinal)))}");
    }
}
