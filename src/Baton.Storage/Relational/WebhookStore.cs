using System.Globalization;
using Baton.Storage.Model;

namespace Baton.Storage.Relational;

/// <summary>Webhooks. This file: the webhooks, their delivery log and signing secrets; <c>WebhookStore.Delivery.cs</c>: fan-out, claims, attempts.</summary>
internal sealed partial class WebhookStore(IStoreDatabase database, TimeProvider time) : IWebhookStore
{
    private const int MaxPageSize = 200;

    public Task<WebhookRecord> CreateAsync(WebhookRecord webhook, CancellationToken cancellationToken) =>
        database.WriteAsync(webhook.TenantId, async session =>
            await session.QuerySingleAsync<WebhookRecord>(WebhookRow.Insert, WebhookRow.Of(webhook)), cancellationToken);

    public Task<WebhookRecord?> GetAsync(string tenantId, string webhookId, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => session.QuerySingleOrDefaultAsync<WebhookRecord>(
            $"SELECT {WebhookRow.Select} FROM webhooks WHERE tenant_id = @tenantId AND id = @webhookId;", new { tenantId, webhookId }), cancellationToken);

    public Task<IReadOnlyList<WebhookRecord>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => session.ListAsync<WebhookRecord>(
            $"SELECT {WebhookRow.Select} FROM webhooks WHERE tenant_id = @tenantId ORDER BY created_at, id;", new { tenantId }), cancellationToken);

    public Task<WebhookRecord?> UpdateAsync(string tenantId, string webhookId, WebhookUpdate update, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(tenantId, session => session.QuerySingleOrDefaultAsync<WebhookRecord>(
            $"""
            UPDATE webhooks
            SET url = COALESCE(@Url, url), secret = COALESCE(@Secret, secret), event_types = COALESCE(@eventTypes, event_types),
                enabled = COALESCE(@Enabled, enabled), description = COALESCE(@Description, description), updated_at = @now
            WHERE tenant_id = @tenantId AND id = @webhookId
            RETURNING {WebhookRow.Select};
            """,
            new
            {
                tenantId,
                webhookId,
                update.Url,
                update.Secret,
                eventTypes = JsonText.OfOrNull(update.EventTypes),
                update.Enabled,
                update.Description,
                now,
            }), cancellationToken);

    public Task<bool> DeleteAsync(string tenantId, string webhookId, CancellationToken cancellationToken) =>
        database.WriteAsync(tenantId, async session => await session.ExecuteAsync(
            "DELETE FROM webhooks WHERE tenant_id = @tenantId AND id = @webhookId;", new { tenantId, webhookId }) == 1, cancellationToken);

    public Task<IReadOnlyList<WebhookDeliveryRecord>> ListDeliveriesAsync(
        string tenantId, string webhookId, int limit, string? before, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => session.ListAsync<WebhookDeliveryRecord>(
            $"""
            SELECT {DeliveryRow.Select} FROM webhook_deliveries d
            WHERE d.tenant_id = @tenantId AND d.webhook_id = @webhookId AND (CAST(@before AS text) IS NULL OR d.id < @before)
            ORDER BY d.id DESC LIMIT {Math.Clamp(limit, 1, MaxPageSize).ToString(CultureInfo.InvariantCulture)};
            """,
            new { tenantId, webhookId, before }), cancellationToken);

    public Task<WebhookDeliveryRecord?> GetDeliveryAsync(string tenantId, string webhookId, string deliveryId, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => session.QuerySingleOrDefaultAsync<WebhookDeliveryRecord>(
            $"SELECT {DeliveryRow.Select} FROM webhook_deliveries d WHERE d.tenant_id = @tenantId AND d.webhook_id = @webhookId AND d.id = @deliveryId;",
            new { tenantId, webhookId, deliveryId }), cancellationToken);

    public Task<WebhookDeliveryRecord> AddDeliveryAsync(NewDelivery delivery, CancellationToken cancellationToken) =>
        database.WriteAsync(delivery.TenantId, async session =>
        {
            await InsertDeliveriesAsync(session, [delivery], time.GetUtcNow());
            return await session.QuerySingleAsync<WebhookDeliveryRecord>(
                $"SELECT {DeliveryRow.Select} FROM webhook_deliveries d WHERE d.id = @Id;", new { delivery.Id });
        }, cancellationToken);

    // Across tenants by nature: the migration of plaintext secrets to protected ones runs once for the installation.
    public Task<IReadOnlyList<StoredSecret>> ListSecretsAsync(string? afterId, int limit, CancellationToken cancellationToken) =>
        database.SystemReadAsync(session => session.ListAsync<StoredSecret>(
            $"""
            SELECT tenant_id AS TenantId, id AS OwnerId, secret AS Value FROM webhooks
            WHERE CAST(@afterId AS text) IS NULL OR id > @afterId ORDER BY id LIMIT {Math.Max(1, limit).ToString(CultureInfo.InvariantCulture)};
            """,
            new { afterId }), cancellationToken);

    public Task<bool> ReplaceSecretAsync(string tenantId, string webhookId, string expected, string replacement, CancellationToken cancellationToken) =>
        database.WriteAsync(tenantId, async session => await session.ExecuteAsync(
            "UPDATE webhooks SET secret = @replacement WHERE tenant_id = @tenantId AND id = @webhookId AND secret = @expected;",
            new { tenantId, webhookId, expected, replacement }) == 1, cancellationToken);
}
