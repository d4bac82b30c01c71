using System.Globalization;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Baton.Storage.Sqlite;

/// <summary>Webhooks on SQLite. This file: the webhooks and their delivery log; <c>SqliteWebhookStore.Delivery.cs</c>: fan-out, claims, attempts.</summary>
internal sealed partial class SqliteWebhookStore(SqliteDatabase database, TimeProvider time) : IWebhookStore
{
    private const int MaxPageSize = 200;

    public Task<WebhookRecord> CreateAsync(WebhookRecord webhook, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var cursor = await connection.ExecuteScalarAsync<long>(Sql.Command(
                "SELECT COALESCE((SELECT last_id FROM event_sequences WHERE tenant_id = @TenantId), 0);", new { webhook.TenantId }, transaction, cancellationToken));
            await connection.ExecuteAsync(Sql.Command(
                """
                INSERT INTO webhooks (id, tenant_id, url, secret, event_types, enabled, description, created_at, updated_at, event_cursor)
                VALUES (@Id, @TenantId, @Url, @Secret, @eventTypes, @Enabled, @Description, @createdAt, @createdAt, @cursor);
                """,
                new
                {
                    webhook.Id,
                    webhook.TenantId,
                    webhook.Url,
                    webhook.Secret,
                    eventTypes = StoredJson.Serialize(webhook.EventTypes),
                    webhook.Enabled,
                    webhook.Description,
                    createdAt = StoredTime.ToMs(webhook.CreatedAt),
                    cursor,
                },
                transaction, cancellationToken));
            return (await LoadAsync(connection, transaction, webhook.TenantId, webhook.Id, cancellationToken))!;
        }, cancellationToken);

    public Task<WebhookRecord?> GetAsync(string tenantId, string webhookId, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => LoadAsync(connection, null, tenantId, webhookId, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<WebhookRecord>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<WebhookRecord>>(async connection =>
            (await connection.QueryAsync<SqliteWebhookRow>(Sql.Command(
                $"SELECT {SqliteWebhookRow.Columns} FROM webhooks WHERE tenant_id = @tenantId ORDER BY created_at, id;", new { tenantId }, cancellationToken)))
            .Select(row => row.ToRecord()).ToList(), cancellationToken);

    public Task<WebhookRecord?> UpdateAsync(string tenantId, string webhookId, WebhookUpdate update, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var updated = await connection.ExecuteAsync(Sql.Command(
                """
                UPDATE webhooks
                SET url = COALESCE(@Url, url), secret = COALESCE(@Secret, secret), event_types = COALESCE(@eventTypes, event_types),
                    enabled = COALESCE(@Enabled, enabled), description = COALESCE(@Description, description), updated_at = @now
                WHERE tenant_id = @tenantId AND id = @webhookId;
                """,
                new
                {
                    tenantId,
                    webhookId,
                    update.Url,
                    update.Secret,
                    eventTypes = update.EventTypes is null ? null : StoredJson.Serialize(update.EventTypes),
                    update.Enabled,
                    update.Description,
                    now = StoredTime.ToMs(now),
                },
                transaction, cancellationToken));
            return updated == 0 ? null : await LoadAsync(connection, transaction, tenantId, webhookId, cancellationToken);
        }, cancellationToken);

    public Task<bool> DeleteAsync(string tenantId, string webhookId, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
            await connection.ExecuteAsync(Sql.Command(
                "DELETE FROM webhooks WHERE tenant_id = @tenantId AND id = @webhookId;", new { tenantId, webhookId }, transaction, cancellationToken)) == 1,
            cancellationToken);

    public Task<IReadOnlyList<WebhookDeliveryRecord>> ListDeliveriesAsync(
        string tenantId, string webhookId, int limit, string? before, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<WebhookDeliveryRecord>>(async connection =>
            (await connection.QueryAsync<SqliteDeliveryRow>(Sql.Command(
                $"""
                SELECT {SqliteDeliveryRow.Columns} FROM webhook_deliveries d
                WHERE d.tenant_id = @tenantId AND d.webhook_id = @webhookId AND (@before IS NULL OR d.id < @before)
                ORDER BY d.id DESC LIMIT {Math.Clamp(limit, 1, MaxPageSize).ToString(CultureInfo.InvariantCulture)};
                """,
                new { tenantId, webhookId, before }, cancellationToken))).Select(row => row.ToRecord()).ToList(), cancellationToken);

    public Task<WebhookDeliveryRecord?> GetDeliveryAsync(string tenantId, string webhookId, string deliveryId, CancellationToken cancellationToken) =>
        database.ReadAsync(async connection => (await connection.QuerySingleOrDefaultAsync<SqliteDeliveryRow>(Sql.Command(
            $"SELECT {SqliteDeliveryRow.Columns} FROM webhook_deliveries d WHERE d.tenant_id = @tenantId AND d.webhook_id = @webhookId AND d.id = @deliveryId;",
            new { tenantId, webhookId, deliveryId }, cancellationToken)))?.ToRecord(), cancellationToken);

    public Task<WebhookDeliveryRecord> AddDeliveryAsync(NewDelivery delivery, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            await InsertDeliveryAsync(connection, transaction, delivery, StoredTime.ToMs(time.GetUtcNow()), cancellationToken);
            return (await connection.QuerySingleAsync<SqliteDeliveryRow>(Sql.Command(
                $"SELECT {SqliteDeliveryRow.Columns} FROM webhook_deliveries d WHERE d.id = @Id;", new { delivery.Id }, transaction, cancellationToken))).ToRecord();
        }, cancellationToken);

    private static Task InsertDeliveryAsync(
        SqliteConnection connection, SqliteTransaction transaction, NewDelivery delivery, long nowMs, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(Sql.Command(
            """
            INSERT INTO webhook_deliveries (id, tenant_id, webhook_id, event_id, event_type, body, state, attempts, next_attempt_at, created_at, redelivery_of)
            VALUES (@Id, @TenantId, @WebhookId, @EventId, @EventType, @Body, 'pending', 0, @nowMs, @nowMs, @RedeliveryOf)
            ON CONFLICT DO NOTHING;
            """,
            new { delivery.Id, delivery.TenantId, delivery.WebhookId, delivery.EventId, delivery.EventType, delivery.Body, delivery.RedeliveryOf, nowMs },
            transaction, cancellationToken));

    private static async Task<WebhookRecord?> LoadAsync(
        SqliteConnection connection, SqliteTransaction? transaction, string tenantId, string webhookId, CancellationToken cancellationToken) =>
        (await connection.QuerySingleOrDefaultAsync<SqliteWebhookRow>(Sql.Command(
            $"SELECT {SqliteWebhookRow.Columns} FROM webhooks WHERE tenant_id = @tenantId AND id = @webhookId;",
            new { tenantId, webhookId }, transaction, cancellationToken)))?.ToRecord();
}
