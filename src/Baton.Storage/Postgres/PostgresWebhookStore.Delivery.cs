using Baton.Storage.Model;
using Dapper;

namespace Baton.Storage.Postgres;

// Fan-out of tenant events into deliveries, claims of due deliveries (FOR UPDATE SKIP LOCKED), and their attempts.
// System scope: the notifier serves every tenant.
internal sealed partial class PostgresWebhookStore
{
    public async Task<int> FanOutAsync(int maxWebhooks, int maxEvents, CancellationToken cancellationToken)
    {
        // The notifier is also the sequencer of queued events (readers sequence too, on demand).
        await PostgresTenantEvents.SequenceAllAsync(database, cancellationToken);
        return await database.InSystemAsync(async (connection, transaction) =>
        {
            // Webhooks behind their tenant's log, locked so two notifiers never fan out the same one at once.
            var behind = (await connection.QueryAsync<PostgresWebhookRow>(PgSql.Command(
                $"""
                SELECT {PostgresWebhookRow.Columns} FROM webhooks w
                WHERE w.event_cursor < (SELECT s.last_id FROM event_sequences s WHERE s.tenant_id = w.tenant_id)
                ORDER BY w.id LIMIT @maxWebhooks
                FOR UPDATE OF w SKIP LOCKED;
                """,
                new { maxWebhooks }, transaction, cancellationToken))).Select(row => row.ToRecord()).ToList();

            var now = PgTime.ToDb(time.GetUtcNow());
            var deliveries = new List<NewDelivery>();
            var cursors = new List<(string Id, long Cursor)>();
            foreach (var webhook in behind)
            {
                var events = (await connection.QueryAsync<PostgresEventRow>(PgSql.Command(
                    $"SELECT {PostgresTenantEvents.Columns} FROM events WHERE tenant_id = @TenantId AND id > @EventCursor ORDER BY id LIMIT @maxEvents;",
                    new { webhook.TenantId, webhook.EventCursor, maxEvents }, transaction, cancellationToken))).Select(row => row.ToRecord()).ToList();
                if (events.Count == 0) continue;
                deliveries.AddRange(events
                    .Where(e => webhook.Enabled && TenantEventTypes.Matches(webhook.EventTypes, e.Type))
                    .Select(e => new NewDelivery(webhook.TenantId, DeliveryIds.New(now), webhook.Id, e.Id, e.Type, TenantEventEnvelope.ToJson(e), null)));
                cursors.Add((webhook.Id, events[^1].Id));
            }
            var created = await InsertDeliveriesAsync(connection, transaction, deliveries, now, cancellationToken);
            if (cursors.Count > 0)
            {
                await connection.ExecuteAsync(PgSql.Command(
                    """
                    UPDATE webhooks w SET event_cursor = c.cursor
                    FROM unnest(@ids::text[], @cursors::bigint[]) AS c(id, cursor)
                    WHERE w.id = c.id;
                    """,
                    new { ids = cursors.Select(c => c.Id).ToArray(), cursors = cursors.Select(c => c.Cursor).ToArray() }, transaction, cancellationToken));
            }
            return created;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<ClaimedDelivery>> ClaimDueAsync(int max, TimeSpan lease, CancellationToken cancellationToken) =>
        database.InSystemAsync<IReadOnlyList<ClaimedDelivery>>(async (connection, transaction) =>
        {
            var now = PgTime.ToDb(time.GetUtcNow());
            var leaseUntil = now + lease;
            // The lease is the next attempt time: a claimer that dies leaves the delivery due again when it ends.
            var rows = await connection.QueryAsync<PostgresDeliveryRow>(PgSql.Command(
                $"""
                WITH due AS (
                    SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
                    WHERE d.state = 'pending' AND d.next_attempt_at <= @now AND w.enabled
                    ORDER BY d.next_attempt_at LIMIT @max
                    FOR UPDATE OF d SKIP LOCKED
                )
                UPDATE webhook_deliveries d
                SET lease_token = md5(random()::text || d.id), next_attempt_at = @leaseUntil, attempts = d.attempts + 1, last_attempt_at = @now
                FROM due, webhooks w
                WHERE d.id = due.id AND w.id = d.webhook_id
                RETURNING {PostgresDeliveryRow.Columns}, w.url AS Url, w.secret AS Secret, d.lease_token AS LeaseToken;
                """,
                new { now, leaseUntil, max }, transaction, cancellationToken));
            return rows.Select(row => new ClaimedDelivery(row.ToRecord(), row.Url!, row.Secret!, row.LeaseToken!, leaseUntil)).ToList();
        }, cancellationToken);

    public Task<bool> RecordAttemptAsync(DeliveryAttemptResult result, CancellationToken cancellationToken) =>
        database.InSystemAsync(async (connection, transaction) =>
        {
            var now = PgTime.ToDb(time.GetUtcNow());
            var updated = await connection.ExecuteAsync(PgSql.Command(
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
                    nextAttemptAt = PgTime.ToDb(result.NextAttemptAt),
                    now,
                },
                transaction, cancellationToken));
            return updated == 1;
        }, cancellationToken);
}
