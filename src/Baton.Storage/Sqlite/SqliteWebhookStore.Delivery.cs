using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Sqlite;

// Fan-out of tenant events into deliveries, claims of due deliveries, and their attempts.
internal sealed partial class SqliteWebhookStore
{
    public Task<int> FanOutAsync(int maxWebhooks, int maxEvents, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var behind = (await connection.QueryAsync<SqliteWebhookRow>(Sql.Command(
                $"""
                SELECT {SqliteWebhookRow.Columns} FROM webhooks w
                WHERE w.event_cursor < (SELECT s.last_id FROM event_sequences s WHERE s.tenant_id = w.tenant_id)
                ORDER BY w.id LIMIT @maxWebhooks;
                """,
                new { maxWebhooks }, transaction, cancellationToken))).Select(row => row.ToRecord()).ToList();

            var now = StoredTime.ToMs(time.GetUtcNow());
            var created = 0;
            foreach (var webhook in behind)
            {
                var events = (await connection.QueryAsync<SqliteEventRow>(Sql.Command(
                    $"SELECT {SqliteTenantEvents.Columns} FROM events WHERE tenant_id = @TenantId AND id > @EventCursor ORDER BY id LIMIT @maxEvents;",
                    new { webhook.TenantId, webhook.EventCursor, maxEvents }, transaction, cancellationToken))).Select(row => row.ToRecord()).ToList();
                if (events.Count == 0) continue;
                foreach (var tenantEvent in events.Where(e => webhook.Enabled && TenantEventTypes.Matches(webhook.EventTypes, e.Type)))
                {
                    await InsertDeliveryAsync(connection, transaction, new NewDelivery(
                        webhook.TenantId, DeliveryIds.New(time.GetUtcNow()), webhook.Id, tenantEvent.Id, tenantEvent.Type,
                        TenantEventEnvelope.ToJson(tenantEvent), null), now, cancellationToken);
                    created++;
                }
                await connection.ExecuteAsync(Sql.Command(
                    "UPDATE webhooks SET event_cursor = @cursor WHERE id = @Id;", new { webhook.Id, cursor = events[^1].Id }, transaction, cancellationToken));
            }
            return created;
        }, cancellationToken);

    public Task<IReadOnlyList<ClaimedDelivery>> ClaimDueAsync(int max, TimeSpan lease, CancellationToken cancellationToken) =>
        database.WriteAsync<IReadOnlyList<ClaimedDelivery>>(async (connection, transaction) =>
        {
            var now = time.GetUtcNow();
            var nowMs = StoredTime.ToMs(now);
            var due = (await connection.QueryAsync<SqliteDeliveryRow>(Sql.Command(
                $"""
                SELECT {SqliteDeliveryRow.Columns}, w.url AS Url, w.secret AS Secret
                FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
                WHERE d.state = 'pending' AND d.next_attempt_at <= @nowMs AND w.enabled = 1
                ORDER BY d.next_attempt_at LIMIT @max;
                """,
                new { nowMs, max }, transaction, cancellationToken))).ToList();

            var leaseUntil = now + lease;
            var claimed = new List<ClaimedDelivery>(due.Count);
            foreach (var row in due)
            {
                // The lease is the next attempt time: a claimer that dies leaves the delivery due again when it ends.
                var token = Guid.NewGuid().ToString("N");
                await connection.ExecuteAsync(Sql.Command(
                    """
                    UPDATE webhook_deliveries
                    SET lease_token = @token, next_attempt_at = @leaseUntil, attempts = attempts + 1, last_attempt_at = @nowMs
                    WHERE id = @Id;
                    """,
                    new { row.Id, token, leaseUntil = StoredTime.ToMs(leaseUntil), nowMs }, transaction, cancellationToken));
                row.Attempts++;
                row.LastAttemptAt = nowMs;
                row.NextAttemptAt = StoredTime.ToMs(leaseUntil);
                claimed.Add(new ClaimedDelivery(row.ToRecord(), row.Url!, row.Secret!, token, leaseUntil));
            }
            return claimed;
        }, cancellationToken);

    public Task<bool> RecordAttemptAsync(DeliveryAttemptResult result, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var now = StoredTime.ToMs(time.GetUtcNow());
            var updated = await connection.ExecuteAsync(Sql.Command(
                """
                UPDATE webhook_deliveries
                SET state = @state, lease_token = NULL, next_attempt_at = COALESCE(@nextAttemptAt, next_attempt_at),
                    last_status_code = @StatusCode, last_error = @Error, last_duration_ms = @DurationMs,
                    delivered_at = CASE WHEN @Delivered THEN @now ELSE NULL END
                WHERE id = @DeliveryId AND lease_token = @LeaseToken AND state = 'pending';
                """,
                new
                {
                    result.DeliveryId,
                    result.LeaseToken,
                    result.StatusCode,
                    result.Error,
                    result.DurationMs,
                    result.Delivered,
                    state = result.State.ToText(),
                    nextAttemptAt = StoredTime.ToMs(result.NextAttemptAt),
                    now,
                },
                transaction, cancellationToken));
            return updated == 1;
        }, cancellationToken);
}
