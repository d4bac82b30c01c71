using Baton.Storage.Model;

namespace Baton.Storage.Relational;

// Fan-out of tenant events into deliveries, claims of due deliveries, and their attempts.
// System scope: the notifier serves every tenant.
internal sealed partial class WebhookStore
{
    private const string AnyWebhookBehind =
        """
        SELECT COUNT(*) FROM (
            SELECT 1 FROM webhooks w WHERE w.event_cursor < (SELECT s.last_id FROM event_sequences s WHERE s.tenant_id = w.tenant_id) LIMIT 1
        ) AS behind;
        """;

    public async Task<int> FanOutAsync(int maxWebhooks, int maxEvents, CancellationToken cancellationToken)
    {
        // The notifier is also the sequencer of queued events (readers sequence too, on demand). Its last sequencing
        // transaction also looks whether any webhook is behind its tenant's log, and the fan-out's own transaction (which
        // locks the webhooks it advances) runs only when one is: a busy server without webhooks spends one transaction a round.
        if (await TenantEvents.SequenceAsync(database, session => session.ScalarAsync<long>(AnyWebhookBehind), cancellationToken) == 0) return 0;
        return await database.SystemWriteAsync(async session =>
        {
            // Webhooks behind their tenant's log, locked so two notifiers never fan out the same one at once.
            var behind = (await session.QueryAsync<WebhookRecord>(
                $"""
                SELECT {WebhookRow.Select} FROM webhooks w
                WHERE w.event_cursor < (SELECT s.last_id FROM event_sequences s WHERE s.tenant_id = w.tenant_id)
                ORDER BY w.id LIMIT @maxWebhooks {session.Dialect.SkipLocked("w")};
                """,
                new { maxWebhooks })).ToList();

            var now = time.GetUtcNow();
            var deliveries = new List<NewDelivery>();
            var cursors = new List<(string Id, long Cursor)>();
            foreach (var webhook in behind)
            {
                var events = (await session.QueryAsync<TenantEventRecord>(
                    $"SELECT {EventRow.Select} FROM events WHERE tenant_id = @TenantId AND id > @EventCursor ORDER BY id LIMIT @maxEvents;",
                    new { webhook.TenantId, webhook.EventCursor, maxEvents })).ToList();
                if (events.Count == 0) continue;
                deliveries.AddRange(events
                    .Where(e => webhook.Enabled && TenantEventTypes.Matches(webhook.EventTypes, e.Type))
                    .Select(e => new NewDelivery(webhook.TenantId, DeliveryIds.New(now), webhook.Id, e.Id, e.Type, TenantEventEnvelope.ToJson(e), null)));
                cursors.Add((webhook.Id, events[^1].Id));
            }
            var created = deliveries.Count == 0 ? 0 : await InsertDeliveriesAsync(session, deliveries, now);
            if (cursors.Count > 0)
            {
                await session.ExecuteAsync(
                    $"""
                    UPDATE webhooks SET event_cursor = c.cursor
                    FROM {session.Dialect.RowsOf("c", ("ids", "id"), ("cursors", "cursor"))}
                    WHERE webhooks.id = c.id;
                    """,
                    new { ids = new TextList([.. cursors.Select(c => c.Id)]), cursors = ValueList.Of(cursors.Select(c => c.Cursor)) });
            }
            return created;
        }, cancellationToken);
    }

    /// <summary>The columns a new delivery writes from its batch (the rest: pending, no attempt yet, due and created now).</summary>
    private static readonly BatchColumn<NewDelivery>[] Inserted =
    [
        BatchColumn<NewDelivery>.Of("id", "ids", d => d.Id),
        BatchColumn<NewDelivery>.Of("tenant_id", "tenantIds", d => d.TenantId),
        BatchColumn<NewDelivery>.Of("webhook_id", "webhookIds", d => d.WebhookId),
        BatchColumn<NewDelivery>.Of("event_id", "eventIds", d => d.EventId),
        BatchColumn<NewDelivery>.Of("event_type", "types", d => d.EventType),
        BatchColumn<NewDelivery>.Of("body", "bodies", d => d.Body),
        BatchColumn<NewDelivery>.Of("redelivery_of", "redeliveryOf", d => d.RedeliveryOf),
    ];

    /// <summary>Stores new deliveries, pending and due at <paramref name="now"/>, keeping any already stored; answers how many it stored.</summary>
    private static Task<int> InsertDeliveriesAsync(StoreSession session, IReadOnlyList<NewDelivery> deliveries, DateTimeOffset now) =>
        session.ExecuteAsync(
            // WHERE true: SQLite would read ON CONFLICT as a join's ON without it.
            $"""
            INSERT INTO webhook_deliveries ({BatchColumns.Names(Inserted)}, state, attempts, next_attempt_at, created_at)
            SELECT {BatchColumns.Names(Inserted, "n")}, 'pending', 0, @now, @now
            FROM {session.Dialect.RowsOf("n", BatchColumns.Lists(Inserted))}
            WHERE true
            ON CONFLICT DO NOTHING;
            """,
            BatchColumns.Parameters(Inserted, deliveries, new { now }));

    public Task<IReadOnlyList<ClaimedDelivery>> ClaimDueAsync(int max, TimeSpan lease, CancellationToken cancellationToken) =>
        database.SystemWriteAsync<IReadOnlyList<ClaimedDelivery>>(async session =>
        {
            // Whole milliseconds, as stored: the claimed records read back the same.
            var now = StoredValues.Truncate(time.GetUtcNow());
            var leaseUntil = now + lease;
            var due = (await session.QueryAsync<WebhookDeliveryRecord, DeliveryTarget, (WebhookDeliveryRecord Delivery, DeliveryTarget Target)>(
                $"""
                SELECT {DeliveryRow.Select}, w.url AS Url, w.secret AS Secret
                FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
                WHERE d.state = 'pending' AND d.next_attempt_at <= @now AND w.enabled
                ORDER BY d.next_attempt_at LIMIT @max {session.Dialect.SkipLocked("d")};
                """,
                (delivery, target) => (delivery, target), splitOn: "Url", new { now, max })).ToList();
            if (due.Count == 0) return [];

            // The lease is the next attempt time: a claimer that dies leaves the delivery due again when it ends.
            var tokens = due.Select(_ => Guid.NewGuid().ToString("N")).ToList();
            await session.ExecuteAsync(
                $"""
                UPDATE webhook_deliveries
                SET lease_token = u.token, next_attempt_at = @leaseUntil, attempts = webhook_deliveries.attempts + 1, last_attempt_at = @now
                FROM {session.Dialect.RowsOf("u", ("ids", "id"), ("tokens", "token"))}
                WHERE webhook_deliveries.id = u.id;
                """,
                new { ids = new TextList([.. due.Select(row => row.Delivery.Id)]), tokens = new TextList(tokens), leaseUntil, now });
            return due.Select((row, i) => new ClaimedDelivery(
                row.Delivery with { Attempts = row.Delivery.Attempts + 1, LastAttemptAt = now, NextAttemptAt = leaseUntil },
                row.Target.Url, row.Target.Secret, tokens[i], leaseUntil)).ToList();
        }, cancellationToken);

    public Task<bool> RecordAttemptAsync(DeliveryAttemptResult result, CancellationToken cancellationToken) =>
        database.SystemWriteAsync(async session => await session.ExecuteAsync(
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
                nextAttemptAt = result.NextAttemptAt,
                now = time.GetUtcNow(),
            }) == 1, cancellationToken);

    /// <summary>Where a claimed delivery goes: its webhook's address and secret, read with it by the claim's join.</summary>
    private sealed record DeliveryTarget(string Url, string Secret);
}
