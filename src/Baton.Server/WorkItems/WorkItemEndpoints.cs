using Baton.Core.Api;
using Baton.Server.Api;
using Baton.Server.Hosting;
using Baton.Server.Security;
using Baton.Storage;
using Baton.Storage.Model;
using Microsoft.Extensions.Options;

namespace Baton.Server.WorkItems;

/// <summary>
/// <c>/api/v1/workitem-queues</c>: the tenant's work-item queues. Operators add items; viewers read counts, pages and
/// an item's history. A queue exists while it holds items; another tenant's queue is simply not found.
/// </summary>
public static class WorkItemEndpoints
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1_000;

    public static void MapWorkItemEndpoints(this IEndpointRouteBuilder api)
    {
        var queues = api.MapGroup("/workitem-queues").WithTags("Work items");
        queues.MapGet("", ListQueuesAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<ListResponse<WorkItemQueueDto>>();
        queues.MapGet("/{queue}", GetQueueAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<WorkItemQueueDto>();
        queues.MapPost("/{queue}/items", AddAsync).RequireAuthorization(AuthPolicies.Operator).Produces<AddWorkItemsResponse>(StatusCodes.Status201Created);
        queues.MapGet("/{queue}/items", ListItemsAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<ListResponse<WorkItemDto>>();
        queues.MapGet("/{queue}/items/{itemId}", GetItemAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<WorkItemDto>();
        queues.MapWorkItemTriggerEndpoints();
    }

    private static async Task<IResult> ListQueuesAsync(HttpContext context, IBatonStore store, CancellationToken ct)
    {
        var stats = await store.WorkItems.StatsAsync(context.GetCaller().TenantId, null, ct);
        return Results.Ok(new ListResponse<WorkItemQueueDto>([.. stats.Select(s => s.ToDto())]));
    }

    private static async Task<IResult> GetQueueAsync(string queue, HttpContext context, IBatonStore store, CancellationToken ct)
    {
        var stats = await store.WorkItems.StatsAsync(context.GetCaller().TenantId, queue, ct);
        return stats.Count == 0 ? Problems.NotFound($"Work-item queue '{queue}'") : Results.Ok(stats[0].ToDto());
    }

    private static async Task<IResult> AddAsync(
        string queue, AddWorkItemsRequest request, HttpContext context, IBatonStore store, IOptions<ServerOptions> options, TimeProvider time,
        Dispatch.WakeUpSignals signals, CancellationToken ct)
    {
        var tenantId = context.GetCaller().TenantId;
        var (items, errors) = WorkItemInput.Read(tenantId, queue, request.Items, options.Value.WorkItems.MaxPayloadBytes, time.GetUtcNow(), null);
        if (errors.Count > 0) return Problems.Validation(errors);
        var outcome = await store.WorkItems.AddAsync(tenantId, items, ct);
        if (outcome.DuplicateReferences.Count > 0) return WorkItemInput.DuplicateReferences(queue, outcome.DuplicateReferences);
        signals.Signal(WorkItemTriggerStarter.WakeUpTopic);
        var now = time.GetUtcNow();
        return Results.Created($"/api/v1/workitem-queues/{queue}/items", new AddWorkItemsResponse([.. outcome.Added.Select(i => i.ToDto(now))]));
    }

    private static async Task<IResult> ListItemsAsync(
        string queue, HttpContext context, IBatonStore store, TimeProvider time, string? state, int? limit, string? after, CancellationToken ct)
    {
        WorkItemState? filter = null;
        if (state is not null)
        {
            if (!WorkItemStates.TryParse(state, out var parsed)) return Problems.Validation("state must be pending, in_progress, done or failed.", "state");
            filter = parsed;
        }
        if (limit is < 1 or > MaxPageSize) return Problems.Validation($"limit must be between 1 and {MaxPageSize}.", "limit");
        var size = limit ?? DefaultPageSize;
        var page = await store.WorkItems.ListAsync(context.GetCaller().TenantId, queue, filter, size, after, ct);
        var now = time.GetUtcNow();
        return Results.Ok(new ListResponse<WorkItemDto>([.. page.Select(i => i.ToDto(now))], page.Count == size ? page[^1].Id : null));
    }

    private static async Task<IResult> GetItemAsync(string queue, string itemId, HttpContext context, IBatonStore store, TimeProvider time, CancellationToken ct)
    {
        var tenantId = context.GetCaller().TenantId;
        var item = await store.WorkItems.GetAsync(tenantId, itemId, ct);
        if (item is null || item.Queue != queue) return Problems.NotFound($"Work item {itemId} in queue '{queue}'");
        var history = await store.WorkItems.ListEventsAsync(tenantId, itemId, ct);
        return Results.Ok(item.ToDto(time.GetUtcNow(), history));
    }
}
