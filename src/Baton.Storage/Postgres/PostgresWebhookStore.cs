using System.Globalization;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;
using Npgsql;

namespace Baton.Storage.Postgres;

/// <summary>Webhooks on PostgreSQL. This file: the webhooks and their delivery log; <c>PostgresWebhookStore.Delivery.cs</c>: fan-out, claims, attempts.</summary>
internal sealed partial class PostgresWebhookStore(PostgresDatabase database, TimeProvider time) : IWebhookStore
{
    private const int MaxPageSize = 200;

    public Task<WebhookRecord> CreateAsync(WebhookRecord webhook, CancellationToken cancellationToken) =>
        database.InTenantAsync(webhook.TenantId, async (connection, transaction) =>
        {
            // The cursor starts at the newest committed event: the webhook receives what happens from now on.
            var row = await connection.QuerySingleAsync<PostgresWebhookRow>(PgSql.Command(
                $"""
                INSERT INTO webhooks (id, tenant_id, url, secret, event_types, enabled, description, created_at, updated_at, event_cursor)
                VALUES (@Id, @TenantId, @Url, @Secret, CAST(@eventTypes AS jsonb), @Enabled, @Description, @createdAt, @createdAt,
                        COALESCE((SELECT last_id FROM event_sequences WHERE tenant_id = @TenantId), 0))
                RETURNING {PostgresWebhookRow.Columns};
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
                    createdAt = PgTime.ToDb(webhook.CreatedAt),
                },
                transaction, cancellationToken));
            return row.ToRecord();
        }, cancellationToken);

    public Task<WebhookRecord?> GetAsync(string tenantId, string webhookId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async (connection, transaction) => (await connection.QuerySingleOrDefaultAsync<PostgresWebhookRow>(PgSql.Command(
            $"SELECT {PostgresWebhookRow.Columns} FROM webhooks WHERE tenant_id = @tenantId AND id = @webhookId;",
            new { tenantId, webhookId }, transaction, cancellationToken)))?.ToRecord(), cancellationToken);

    public Task<IReadOnlyList<WebhookRecord>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        database.InTenantAsync<IReadOnlyList<WebhookRecord>>(tenantId, async (connection, transaction) =>
            (await connection.QueryAsync<PostgresWebhookRow>(PgSql.Command(
                $"SELECT {PostgresWebhookRow.Columns} FROM webhooks WHERE tenant_id = @tenantId ORDER BY created_at, id;", new { tenantId }, transaction, cancellationToken)))
            .Select(row => row.ToRecord()).ToList(), cancellationToken);

    public Task<WebhookRecord?> UpdateAsync(string tenantId, string webhookId, WebhookUpdate update, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async (connection, transaction) => (await connection.QuerySingleOrDefaultAsync<PostgresWebhookRow>(PgSql.Command(
            $"""
            UPDATE webhooks
            SET url = COALESCE(@Url, url), secret = COALESCE(@Secret, secret), event_types = COALESCE(CAST(@eventTypes AS jsonb), event_types),
                enabled = COALESCE(@Enabled, enabled), description = COALESCE(@Description, description), updated_at = @now
            WHERE tenant_id = @tenantId AND id = @webhookId
            RETURNING {PostgresWebhookRow.Columns};
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
                now = PgTime.ToDb(now),
            },
            transaction, cancellationToken)))?.ToRecord(), cancellationToken);

    public Task<bool> DeleteAsync(string tenantId, string webhookId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async (connection, transaction) =>
            await connection.ExecuteAsync(PgSql.Command(
                "DELETE FROM webhooks WHERE tenant_id = @tenantId AND id = @webhookId;", new { tenantId, webhookId }, transaction, cancellationToken)) == 1,
            cancellationToken);

    public Task<IReadOnlyList<WebhookDeliveryRecord>> ListDeliveriesAsync(
        string tenantId, string webhookId, int limit, string? before, CancellationToken cancellationToken) =>
        database.InTenantAsync<IReadOnlyList<WebhookDeliveryRecord>>(tenantId, async (connection, transaction) =>
            (await connection.QueryAsync<PostgresDeliveryRow>(PgSql.Command(
                $"""
                SELECT {PostgresDeliveryRow.Columns} FROM webhook_deliveries d
                WHERE d.tenant_id = @tenantId AND d.webhook_id = @webhookId AND (CAST(@before AS text) IS NULL OR d.id < @before)
                ORDER BY d.id DESC LIMIT {Math.Clamp(limit, 1, MaxPageSize).ToString(CultureInfo.InvariantCulture)};
                """,
                new { tenantId, webhookId, before }, transaction, cancellationToken))).Select(row => row.ToRecord()).ToList(), cancellationToken);

    public Task<WebhookDeliveryRecord?> GetDeliveryAsync(string tenantId, string webhookId, string deliveryId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async (connection, transaction) => (await connection.QuerySingleOrDefaultAsync<PostgresDeliveryRow>(PgSql.Command(
            $"SELECT {PostgresDeliveryRow.Columns} FROM webhook_deliveries d WHERE d.tenant_id = @tenantId AND d.webhook_id = @webhookId AND d.id = @deliveryId;",
            new { tenantId, webhookId, deliveryId }, transaction, cancellationToken)))?.ToRecord(), cancellationToken);

    public Task<WebhookDeliveryRecord> AddDeliveryAsync(NewDelivery delivery, CancellationToken cancellationToken) =>
        database.InTenantAsync(delivery.TenantId, async (connection, transaction) =>
        {
            await InsertDeliveriesAsync(connection, transaction, [delivery], PgTime.ToDb(time.GetUtcNow()), cancellationToken);
            return (await connection.QuerySingleAsync<PostgresDeliveryRow>(PgSql.Command(
                $"SELECT {PostgresDeliveryRow.Columns} FROM webhook_deliveries d WHERE d.id = @Id;", new { delivery.Id }, transaction, cancellationToken))).ToRecord();
        }, cancellationToken);

    private static Task<int> InsertDeliveriesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<NewDelivery> deliveries, DateTimeOffset now, CancellationToken cancellationToken) =>
        deliveries.Count == 0 ? Task.FromResult(0) : connection.ExecuteAsync(PgSql.Command(
            """
            INSERT INTO webhook_deliveries (id, tenant_id, webhook_id, event_id, event_type, body, state, attempts, next_attempt_at, created_at, redelivery_of)
            SELECT d.id, d.tenant_id, d.webhook_id, d.event_id, d.event_type, d.body, 'pending', 0, @now, @now, d.redelivery_of
            FROM unnest(@ids::text[], @tenantIds::text[], @webhookIds::text[], @eventIds::bigint[], @types::text[], @bodies::text[], @redeliveryOf::text[])
                 AS d(id, tenant_id, webhook_id, event_id, event_type, body, redelivery_of)
            ON CONFLICT DO NOTHING;
            """,
            new
            {
                now,
                ids = deliveries.Select(d => d.Id).ToArray(),
                tenantIds = deliveries.Select(d => d.TenantId).ToArray(),
                webhookIds = deliveries.Select(d => d.WebhookId).ToArray(),
                eventIds = deliveries.Select(d => d.EventId).ToArray(),
                types = deliveries.Select(d => d.EventType).ToArray(),
                bodies = deliveries.Select(d => d.Body).ToArray(),
                redeliveryOf = deliveries.Select(d => d.RedeliveryOf).ToArray(),
            },
            transaction, cancellationToken));
}
