using System.Globalization;
using System.Text.Json;
using Baton.Core.Api;
using Baton.Server.Dispatch;
using Baton.Server.Notifications;
using Baton.Server.Security;
using Baton.Storage;
using Baton.Storage.Model;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Baton.Server.Api;

/// <summary>
/// The tenant's event log: <c>GET /events?after=ID&amp;types=a,b</c> pages it oldest first;
/// <c>GET /events/stream</c> follows it as server-sent events (<c>id</c> = event id, so a client resumes
/// with <c>Last-Event-ID</c>), woken in-process by new events and re-checking the store every second for
/// events another replica wrote, with a keep-alive comment when quiet.
/// </summary>
public static class EventEndpoints
{
    private const int PageSize = 1000;
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(1);

    public static void MapEventEndpoints(this IEndpointRouteBuilder api)
    {
        var events = api.MapGroup("/events").RequireAuthorization(AuthPolicies.Viewer);
        events.MapGet("", ListAsync).Produces<EventPageDto>();
        events.MapGet("/stream", StreamAsync)
            .ProducesEventStream("Each event as `id: EVENT_ID`, `event: TYPE`, `data:` a TenantEventDto; a comment line as keep-alive. Resume with Last-Event-ID.");
    }

    private static async Task<IResult> ListAsync(HttpContext context, IBatonStore store, long? after, string? types, int? limit, CancellationToken ct)
    {
        if (Validate(after, types, limit) is { } invalid) return invalid;
        var items = await store.Events.ListAsync(context.GetCaller().TenantId, after ?? 0, ParseTypes(types), limit ?? 100, ct);
        return Results.Ok(new EventPageDto([.. items.Select(ToDto)], items.Count > 0 ? items[^1].Id : after ?? 0));
    }

    private static async Task<IResult> StreamAsync(
        HttpContext context, IBatonStore store, WakeUpSignals signals, IOptions<JsonOptions> json, long? after, string? types, CancellationToken ct)
    {
        // A browser's reconnect repeats the URL (with its after) and names the last event it had: resume after the later of the two.
        if (long.TryParse(context.Request.Headers["Last-Event-ID"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var lastEventId)
            && (after is null || lastEventId > after))
        {
            after = lastEventId;
        }
        if (Validate(after, types, limit: null) is { } invalid) return invalid;
        var tenantId = context.GetCaller().TenantId;
        var filter = ParseTypes(types);
        // Without a position the stream starts at the present: only what happens from now on.
        var position = after ?? await store.Events.GetLatestIdAsync(tenantId, ct);

        var response = context.Response;
        response.Headers.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.WriteAsync($": events of tenant {tenantId} after {position.ToString(CultureInfo.InvariantCulture)}\n\n", ct);
        await response.Body.FlushAsync(ct);

        var sinceWrite = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                using var wakeUp = signals.Subscribe(TenantEventPublisher.Topic(tenantId));
                var batch = await store.Events.ListAsync(tenantId, position, null, PageSize, ct);
                foreach (var item in batch)
                {
                    position = item.Id;
                    if (filter is not null && !filter.Contains(item.Type, StringComparer.Ordinal)) continue;
                    var data = JsonSerializer.Serialize(ToDto(item), json.Value.SerializerOptions);
                    await response.WriteAsync($"id: {item.Id.ToString(CultureInfo.InvariantCulture)}\nevent: {item.Type}\ndata: {data}\n\n", ct);
                    sinceWrite.Restart();
                }
                if (batch.Count == PageSize) continue;
                if (sinceWrite.Elapsed > KeepAlive)
                {
                    await response.WriteAsync(": keep-alive\n\n", ct);
                    sinceWrite.Restart();
                }
                await response.Body.FlushAsync(ct);
                await wakeUp.WaitAsync(Recheck, TimeProvider.System, ct);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
        return Results.Empty;
    }

    private static IResult? Validate(long? after, string? types, int? limit)
    {
        if (after is < 0) return Problems.Validation("after must be zero or more.", "after");
        if (limit is < 1 or > PageSize) return Problems.Validation($"limit must be between 1 and {PageSize}.", "limit");
        var unknown = ParseTypes(types)?.FirstOrDefault(t => !TenantEventTypes.All.Contains(t, StringComparer.Ordinal));
        return unknown is null ? null : Problems.Validation($"'{unknown}' is not an event type; use: {string.Join(", ", TenantEventTypes.All)}.", "types");
    }

    private static List<string>? ParseTypes(string? types) =>
        string.IsNullOrWhiteSpace(types) ? null : [.. types.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static TenantEventDto ToDto(TenantEventRecord e) => new(e.Id, e.Type, e.SubjectId, e.CreatedAt, e.Payload);
}
