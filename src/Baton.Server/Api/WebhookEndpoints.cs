using System.Text.Json;
using Baton.Core.Api;
using Baton.Core.Audit;
using Baton.Server.Audit;
using Baton.Server.Notifications;
using Baton.Server.Secrets;
using Baton.Server.Security;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Api;

/// <summary>
/// Tenant webhooks: operators create, change, delete, test and redeliver; viewers read them and their
/// delivery log. Another tenant's webhook is simply not found. Secrets are shown once, at creation, and stored sealed (<see cref="WebhookSecrets"/>).
/// </summary>
public static class WebhookEndpoints
{
    public const int MinSecretLength = 16;
    public const int MaxDescriptionLength = 500;
    public const int MaxUrlLength = 2000;

    public static void MapWebhookEndpoints(this IEndpointRouteBuilder api)
    {
        var webhooks = api.MapGroup("/webhooks");
        webhooks.MapPost("", CreateAsync).RequireAuthorization(AuthPolicies.Operator).Produces<CreatedWebhookDto>(StatusCodes.Status201Created).Audited(AuditSnapshots.Webhook, AuditActions.Created, null);
        webhooks.MapGet("", ListAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<ListResponse<WebhookDto>>();
        webhooks.MapGet("/{id}", GetAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<WebhookDto>();
        webhooks.MapPatch("/{id}", UpdateAsync).RequireAuthorization(AuthPolicies.Operator).Produces<WebhookDto>().Audited(AuditSnapshots.Webhook, AuditActions.Updated, "id");
        webhooks.MapDelete("/{id}", DeleteAsync).RequireAuthorization(AuthPolicies.Operator).ProducesNoContent().Audited(AuditSnapshots.Webhook, AuditActions.Deleted, "id");
        webhooks.MapGet("/{id}/deliveries", ListDeliveriesAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<ListResponse<WebhookDeliveryDto>>();
        webhooks.MapPost("/{id}/deliveries/{deliveryId}/redeliver", RedeliverAsync).RequireAuthorization(AuthPolicies.Operator)
            .Produces<WebhookDeliveryDto>(StatusCodes.Status202Accepted);
        webhooks.MapPost("/{id}/test", TestAsync).RequireAuthorization(AuthPolicies.Operator).Produces<WebhookDeliveryDto>(StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> CreateAsync(
        CreateWebhookRequest request, HttpContext context, IBatonStore store, WebhookTargetGuard guard, WebhookSecrets secrets, TimeProvider time, CancellationToken ct)
    {
        if (await ValidateAsync(request.Url, request.Events, request.Secret, request.Description, required: true, guard, ct) is { } invalid) return invalid;
        var tenantId = context.GetCaller().TenantId;
        var now = time.GetUtcNow();
        var secret = request.Secret ?? SecretTokens.NewWebhookSecret();
        var events = Normalise(request.Events) ?? ["*"];
        var id = SecretTokens.NewId("wh_");
        var created = await store.Webhooks.CreateAsync(new WebhookRecord(
            tenantId, id, request.Url.Trim(), await secrets.ProtectAsync(tenantId, id, secret, ct), events, request.Enabled ?? true, request.Description?.Trim(), now, now, 0), ct);
        return Results.Created($"/api/v1/webhooks/{created.Id}", new CreatedWebhookDto(created.ToDto(), secret));
    }

    private static async Task<IResult> ListAsync(HttpContext context, IBatonStore store, CancellationToken ct) =>
        Results.Ok(new ListResponse<WebhookDto>([.. (await store.Webhooks.ListAsync(context.GetCaller().TenantId, ct)).Select(w => w.ToDto())]));

    private static async Task<IResult> GetAsync(string id, HttpContext context, IBatonStore store, CancellationToken ct)
    {
        var webhook = await store.Webhooks.GetAsync(context.GetCaller().TenantId, id, ct);
        return webhook is null ? Problems.NotFound($"Webhook {id}") : Results.Ok(webhook.ToDto());
    }

    private static async Task<IResult> UpdateAsync(
        string id, UpdateWebhookRequest request, HttpContext context, IBatonStore store, WebhookTargetGuard guard, WebhookSecrets secrets, TimeProvider time, CancellationToken ct)
    {
        var tenantId = context.GetCaller().TenantId;
        if (await store.Webhooks.GetAsync(tenantId, id, ct) is null) return Problems.NotFound($"Webhook {id}");
        if (await ValidateAsync(request.Url, request.Events, request.Secret, request.Description, required: false, guard, ct) is { } invalid) return invalid;
        var secret = request.Secret is null ? null : await secrets.ProtectAsync(tenantId, id, request.Secret, ct);
        var updated = await store.Webhooks.UpdateAsync(tenantId, id, new WebhookUpdate(
            request.Url?.Trim(), secret, Normalise(request.Events), request.Enabled, request.Description?.Trim()), time.GetUtcNow(), ct);
        return updated is null ? Problems.NotFound($"Webhook {id}") : Results.Ok(updated.ToDto());
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, IBatonStore store, CancellationToken ct) =>
        await store.Webhooks.DeleteAsync(context.GetCaller().TenantId, id, ct) ? Results.NoContent() : Problems.NotFound($"Webhook {id}");

    private static async Task<IResult> ListDeliveriesAsync(
        string id, HttpContext context, IBatonStore store, int? limit, string? before, CancellationToken ct)
    {
        var tenantId = context.GetCaller().TenantId;
        if (await store.Webhooks.GetAsync(tenantId, id, ct) is null) return Problems.NotFound($"Webhook {id}");
        if (limit is < 1 or > 200) return Problems.Validation("limit must be between 1 and 200.", "limit");
        var page = limit ?? 50;
        var deliveries = await store.Webhooks.ListDeliveriesAsync(tenantId, id, page, before, ct);
        return Results.Ok(new ListResponse<WebhookDeliveryDto>(
            [.. deliveries.Select(d => d.ToDto())], deliveries.Count == page ? deliveries[^1].Id : null));
    }

    private static async Task<IResult> RedeliverAsync(
        string id, string deliveryId, HttpContext context, IBatonStore store, TenantEventPublisher events, TimeProvider time, CancellationToken ct)
    {
        var tenantId = context.GetCaller().TenantId;
        var original = await store.Webhooks.GetDeliveryAsync(tenantId, id, deliveryId, ct);
        if (original is null) return Problems.NotFound($"Delivery {deliveryId} of webhook {id}");
        var copy = await store.Webhooks.AddDeliveryAsync(new NewDelivery(
            tenantId, DeliveryIds.New(time.GetUtcNow()), id, original.EventId, original.EventType, original.Body, original.Id), ct);
        events.Announce(tenantId);
        return Results.Accepted($"/api/v1/webhooks/{id}/deliveries", copy.ToDto());
    }

    private static async Task<IResult> TestAsync(
        string id, HttpContext context, IBatonStore store, TenantEventPublisher events, TimeProvider time, CancellationToken ct)
    {
        var tenantId = context.GetCaller().TenantId;
        if (await store.Webhooks.GetAsync(tenantId, id, ct) is null) return Problems.NotFound($"Webhook {id}");
        var now = time.GetUtcNow();
        var body = JsonSerializer.Serialize(new
        {
            id = (long?)null,
            type = "ping",
            tenantId,
            subjectId = id,
            createdAt = now,
            data = new { webhookId = id, message = "Baton webhook test" },
        }, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        var ping = await store.Webhooks.AddDeliveryAsync(new NewDelivery(tenantId, DeliveryIds.New(now), id, null, "ping", body, null), ct);
        events.Announce(tenantId);
        return Results.Accepted($"/api/v1/webhooks/{id}/deliveries", ping.ToDto());
    }

    private static async Task<IResult?> ValidateAsync(
        string? url, IReadOnlyList<string>? events, string? secret, string? description, bool required, WebhookTargetGuard guard, CancellationToken ct)
    {
        if (required && string.IsNullOrWhiteSpace(url)) return Refused("url is required.", "url", "invalid-url");
        if (url is { Length: > MaxUrlLength }) return Refused($"url must be at most {MaxUrlLength} characters.", "url", "invalid-url");
        if (events is not null)
        {
            if (events.Count == 0) return Refused("events must name at least one event type, or '*' for all.", "events", "unknown-event-type");
            var unknown = events.FirstOrDefault(e => !TenantEventTypes.IsSubscribable(e?.Trim() ?? ""));
            if (unknown is not null || events.Any(e => e is null))
            {
                return Refused($"'{unknown}' is not an event type; use '*' or: {string.Join(", ", TenantEventTypes.All)}.", "events", "unknown-event-type");
            }
        }
        if (secret is not null && (secret.Length < MinSecretLength || secret.Length > 200 || secret.Any(char.IsWhiteSpace)))
        {
            return Refused($"secret must be {MinSecretLength} to 200 characters without spaces (omit it to have one generated).", "secret", "weak-secret");
        }
        if (description is { Length: > MaxDescriptionLength }) return Refused($"description must be at most {MaxDescriptionLength} characters.", "description", "too-long");
        if (url is not null && await guard.CheckUrlAsync(url.Trim(), ct) is { } refusal) return Refused(refusal.Detail, "url", refusal.Reason);
        return null;
    }

    private static List<string>? Normalise(IReadOnlyList<string>? events) =>
        events is null ? null : events.Select(e => e.Trim()).Distinct(StringComparer.Ordinal).ToList() is var list && list.Contains("*") ? ["*"] : list;

    private static IResult Refused(string detail, string field, string reason) => Results.Problem(
        statusCode: StatusCodes.Status400BadRequest,
        type: ProblemTypes.Validation,
        title: "The webhook is not valid",
        detail: detail,
        extensions: new Dictionary<string, object?> { ["field"] = field, ["reason"] = reason });

    private static WebhookDto ToDto(this WebhookRecord w) => new(w.Id, w.Url, w.EventTypes, w.Enabled, w.Description, w.CreatedAt, w.UpdatedAt);

    private static WebhookDeliveryDto ToDto(this WebhookDeliveryRecord d) => new(
        d.Id, d.WebhookId, d.EventId, d.EventType, d.State.ToText(), d.Attempts, d.LastStatusCode, d.LastError, d.LastDurationMs,
        d.CreatedAt, d.LastAttemptAt, d.State == DeliveryState.Pending ? d.NextAttemptAt : null, d.DeliveredAt, d.RedeliveryOf);
}
