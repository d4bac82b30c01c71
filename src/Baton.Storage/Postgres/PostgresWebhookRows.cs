using Baton.Storage.Model;
using Baton.Storage.Serialization;

namespace Baton.Storage.Postgres;

internal sealed class PostgresWebhookRow
{
    public const string Columns =
        "tenant_id AS TenantId, id AS Id, url AS Url, secret AS Secret, event_types::text AS EventTypes, enabled AS Enabled, " +
        "description AS Description, created_at AS CreatedAt, updated_at AS UpdatedAt, event_cursor AS EventCursor";

    public string TenantId { get; set; } = "";
    public string Id { get; set; } = "";
    public string Url { get; set; } = "";
    public string Secret { get; set; } = "";
    public string EventTypes { get; set; } = "[]";
    public bool Enabled { get; set; }
    public string? Description { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public long EventCursor { get; set; }

    public WebhookRecord ToRecord() => new(
        TenantId, Id, Url, Secret, StoredJson.Deserialize<List<string>>(EventTypes), Enabled, Description,
        PgTime.FromDb(CreatedAt), PgTime.FromDb(UpdatedAt), EventCursor);
}

internal sealed class PostgresDeliveryRow
{
    public const string Columns =
        "d.tenant_id AS TenantId, d.id AS Id, d.webhook_id AS WebhookId, d.event_id AS EventId, d.event_type AS EventType, d.body AS Body, " +
        "d.state AS State, d.attempts AS Attempts, d.next_attempt_at AS NextAttemptAt, d.last_attempt_at AS LastAttemptAt, " +
        "d.last_status_code AS LastStatusCode, d.last_error AS LastError, d.last_duration_ms AS LastDurationMs, d.created_at AS CreatedAt, " +
        "d.delivered_at AS DeliveredAt, d.redelivery_of AS RedeliveryOf";

    public string TenantId { get; set; } = "";
    public string Id { get; set; } = "";
    public string WebhookId { get; set; } = "";
    public long? EventId { get; set; }
    public string EventType { get; set; } = "";
    public string Body { get; set; } = "";
    public string State { get; set; } = "";
    public int Attempts { get; set; }
    public DateTime NextAttemptAt { get; set; }
    public DateTime? LastAttemptAt { get; set; }
    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }
    public int? LastDurationMs { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? DeliveredAt { get; set; }
    public string? RedeliveryOf { get; set; }
    // Filled by the claim's join.
    public string? Url { get; set; }
    public string? Secret { get; set; }
    public string? LeaseToken { get; set; }

    public WebhookDeliveryRecord ToRecord() => new(
        TenantId, Id, WebhookId, EventId, EventType, Body, DeliveryStates.Parse(State), Attempts,
        PgTime.FromDb(NextAttemptAt), PgTime.FromDb(LastAttemptAt), LastStatusCode, LastError, LastDurationMs,
        PgTime.FromDb(CreatedAt), PgTime.FromDb(DeliveredAt), RedeliveryOf);
}
