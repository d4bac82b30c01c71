using Baton.Storage.Model;
using Baton.Storage.Serialization;

namespace Baton.Storage.Relational;

/// <summary>A row of <c>webhooks</c>, as both backends read and write it.</summary>
internal sealed class WebhookRow
{
    private static readonly string[] Written = ["tenant_id", "id", "url", "secret", "event_types", "enabled", "description", "created_at", "updated_at"];

    public static readonly string Select = Columns.Select([.. Written, "event_cursor"]);

    /// <summary>The cursor starts at the newest committed event: the webhook receives what happens from now on.</summary>
    public static readonly string Insert =
        $"INSERT INTO webhooks ({Columns.Names(Written)}, event_cursor) VALUES ({Columns.Values(Written)}, " +
        $"COALESCE((SELECT last_id FROM event_sequences WHERE tenant_id = @TenantId), 0)) RETURNING {Select};";

    public string TenantId { get; set; } = "";
    public string Id { get; set; } = "";
    public string Url { get; set; } = "";
    public string Secret { get; set; } = "";
    public JsonText EventTypes { get; set; }
    public bool Enabled { get; set; }
    public string? Description { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public long EventCursor { get; set; }

    public static WebhookRow Of(WebhookRecord webhook) => new()
    {
        TenantId = webhook.TenantId,
        Id = webhook.Id,
        Url = webhook.Url,
        Secret = webhook.Secret,
        EventTypes = JsonText.Of(webhook.EventTypes),
        Enabled = webhook.Enabled,
        Description = webhook.Description,
        CreatedAt = webhook.CreatedAt,
        UpdatedAt = webhook.CreatedAt,
    };

    public WebhookRecord ToRecord() => new(
        TenantId, Id, Url, Secret, StoredJson.Deserialize<List<string>>(EventTypes.Text), Enabled, Description, CreatedAt, UpdatedAt, EventCursor);
}

/// <summary>A row of <c>webhook_deliveries</c> (aliased <c>d</c>), with its webhook's address and secret when a claim joins them.</summary>
internal sealed class DeliveryRow
{
    public static readonly string Select = Columns.Select(new[]
    {
        "tenant_id", "id", "webhook_id", "event_id", "event_type", "body", "state", "attempts", "next_attempt_at", "last_attempt_at",
        "last_status_code", "last_error", "last_duration_ms", "created_at", "delivered_at", "redelivery_of",
    }.Select(column => "d." + column));

    public string TenantId { get; set; } = "";
    public string Id { get; set; } = "";
    public string WebhookId { get; set; } = "";
    public long? EventId { get; set; }
    public string EventType { get; set; } = "";
    public string Body { get; set; } = "";
    public string State { get; set; } = "";
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset? LastAttemptAt { get; set; }
    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }
    public int? LastDurationMs { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
    public string? RedeliveryOf { get; set; }
    // Filled by the claim's join.
    public string? Url { get; set; }
    public string? Secret { get; set; }

    public WebhookDeliveryRecord ToRecord() => new(
        TenantId, Id, WebhookId, EventId, EventType, Body, DeliveryStates.Parse(State), Attempts,
        NextAttemptAt, LastAttemptAt, LastStatusCode, LastError, LastDurationMs, CreatedAt, DeliveredAt, RedeliveryOf);
}

/// <summary>The select list of <c>events</c>, in the order of <see cref="TenantEventRecord"/>'s constructor (Dapper reads it straight).</summary>
internal static class EventRow
{
    public static readonly string Select = Columns.Select(["tenant_id", "id", "type", "subject_id", "payload", "created_at"]);
}
