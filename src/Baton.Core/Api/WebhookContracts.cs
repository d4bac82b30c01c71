using System.Text.Json;
using System.Text.Json.Serialization;

namespace Baton.Core.Api;

/// <summary>A tenant's webhook; its secret is shown only when it is created (or replaced).</summary>
public sealed record WebhookDto(
    string Id, string Url, IReadOnlyList<string> Events, bool Enabled, string? Description, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary><see cref="Events"/>: event types, or <c>*</c> for all (the default). Without a secret one is generated.</summary>
public sealed record CreateWebhookRequest(
    string Url, IReadOnlyList<string>? Events = null, string? Secret = null, string? Description = null, bool? Enabled = null);

/// <summary>A partial update; null keeps the value.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record UpdateWebhookRequest(
    string? Url = null, IReadOnlyList<string>? Events = null, string? Secret = null, string? Description = null, bool? Enabled = null);

/// <summary>The answer to a creation: the webhook and its signing secret, shown this once.</summary>
public sealed record CreatedWebhookDto(WebhookDto Webhook, string Secret);

/// <summary>One delivery of an event (or ping) to a webhook, with its last attempt.</summary>
public sealed record WebhookDeliveryDto(
    string Id,
    string WebhookId,
    long? EventId,
    string EventType,
    string State,
    int Attempts,
    int? StatusCode,
    string? Error,
    int? DurationMs,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? DeliveredAt,
    string? RedeliveryOf);

/// <summary>One event of the tenant's event log; ids count up per tenant.</summary>
public sealed record TenantEventDto(long Id, string Type, string SubjectId, DateTimeOffset CreatedAt, JsonElement Data);

/// <summary>A page of events, oldest first; <see cref="Next"/> is the <c>after</c> of the next page.</summary>
public sealed record EventPageDto(IReadOnlyList<TenantEventDto> Items, long Next);
