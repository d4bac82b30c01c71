using Baton.Storage.Model;
using Baton.Storage.Serialization;

namespace Baton.Storage.Relational;

/// <summary>A row of <c>webhooks</c>.</summary>
internal sealed class WebhookRow
{
    public const string Select =
        "tenant_id AS TenantId, id AS Id, url AS Url, secret AS Secret, event_types AS EventTypes, enabled AS Enabled, " +
        "description AS Description, created_at AS CreatedAt, updated_at AS UpdatedAt, event_cursor AS EventCursor";

    public string TenantId { get; set; } = "";
    public string Id { get; set; } = "";
    public string Url { get; set; } = "";
    public string Secret { get; set; } = "";
    public string EventTypes { get; set; } = "[]";
    public bool Enabled { get; set; }
    public string? Description { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public long EventCursor { get; set; }

    public WebhookRecord ToRecord() => new(
        TenantId, Id, Url, Secret, StoredJson.Deserialize<List<string>>(EventTypes), Enabled, Description, CreatedAt, UpdatedAt, EventCursor);
}

/// <summary>A row of <c>webhook_deliveries</c> (aliased <c>d</c>), with its webhook's address and secret when a claim joins them.</summary>
internal sealed class DeliveryRow
{
    public const string Select =
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

/// <summary>A row of <c>events</c>.</summary>
internal sealed class EventRow
{
    public const string Select =
        "tenant_id AS TenantId, id AS Id, type AS Type, subject_id AS SubjectId, payload AS Payload, created_at AS CreatedAt";

    public string TenantId { get; set; } = "";
    public long Id { get; set; }
    public string Type { get; set; } = "";
    public string SubjectId { get; set; } = "";
    public string Payload { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }

    public TenantEventRecord ToRecord() => new(TenantId, Id, Type, SubjectId, StoredJson.ParseElement(Payload), CreatedAt);
}
