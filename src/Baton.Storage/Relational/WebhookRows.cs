using Baton.Storage.Model;

namespace Baton.Storage.Relational;

/// <summary>
/// The column lists of <c>webhooks</c>, in the order of <see cref="WebhookRecord"/>'s constructor: Dapper reads a row
/// straight into it; <see cref="Of"/> is what an insert binds.
/// </summary>
internal static class WebhookRow
{
    private static readonly string[] Written = ["tenant_id", "id", "url", "secret", "event_types", "enabled", "description", "created_at", "updated_at"];

    public static readonly string Select = Columns.Select([.. Written, "event_cursor"]);

    /// <summary>The cursor starts at the newest committed event: the webhook receives what happens from now on.</summary>
    public static readonly string Insert =
        $"INSERT INTO webhooks ({Columns.Names(Written)}, event_cursor) VALUES ({Columns.Values(Written)}, " +
        $"COALESCE((SELECT last_id FROM event_sequences WHERE tenant_id = @TenantId), 0)) RETURNING {Select};";

    public static object Of(WebhookRecord webhook) => new
    {
        webhook.TenantId, webhook.Id, webhook.Url, webhook.Secret, EventTypes = JsonText.Of(webhook.EventTypes), webhook.Enabled,
        webhook.Description, webhook.CreatedAt, UpdatedAt = webhook.CreatedAt,
    };
}

/// <summary>The select list of <c>webhook_deliveries</c> (aliased <c>d</c>): Dapper reads a row straight into a <see cref="WebhookDeliveryRecord"/>.</summary>
internal static class DeliveryRow
{
    public static readonly string Select = Columns.Select(new[]
    {
        "tenant_id", "id", "webhook_id", "event_id", "event_type", "body", "state AS StoredState", "attempts", "next_attempt_at",
        "last_attempt_at", "last_status_code", "last_error", "last_duration_ms", "created_at", "delivered_at", "redelivery_of",
    }.Select(column => "d." + column));
}

/// <summary>The select list of <c>events</c>, in the order of <see cref="TenantEventRecord"/>'s constructor (Dapper reads it straight).</summary>
internal static class EventRow
{
    public static readonly string Select = Columns.Select(["tenant_id", "id", "type", "subject_id", "payload", "created_at"]);
}
