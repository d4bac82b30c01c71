using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;
using Npgsql;

namespace Baton.Storage.Postgres;

/// <summary>
/// Writes tenant events inside a caller's transaction, so an event is committed exactly when its cause is.
/// <see cref="AppendAsync"/> numbers them at once: the tenant's <c>event_sequences</c> row stays locked
/// until that commit, so ids are handed out and committed in the same order (for rare events: alerts,
/// pauses). <see cref="EnqueueAsync"/> is for busy paths (job endings, agents going offline or online):
/// it writes to <c>event_outbox</c> without any lock, and <see cref="SequenceAsync"/> later numbers a
/// whole batch under one lock per tenant. Callers append last in their transaction and tenants are
/// locked in id order, so two transactions never wait on each other in a cycle.
/// </summary>
internal static class PostgresTenantEvents
{
    public static async Task<IReadOnlyList<TenantEventRecord>> AppendAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<NewTenantEvent> events, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (events.Count == 0) return [];
        var appended = new List<TenantEventRecord>(events.Count);
        foreach (var group in events.GroupBy(e => e.TenantId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var batch = group.ToList();
            var last = await connection.ExecuteScalarAsync<long>(PgSql.Command(
                """
                INSERT INTO event_sequences (tenant_id, last_id) VALUES (@tenantId, @count)
                ON CONFLICT (tenant_id) DO UPDATE SET last_id = event_sequences.last_id + EXCLUDED.last_id
                RETURNING last_id;
                """,
                new { tenantId = group.Key, count = (long)batch.Count }, transaction, cancellationToken));
            var first = last - batch.Count + 1;
            appended.AddRange(batch.Select((e, i) => new TenantEventRecord(e.TenantId, first + i, e.Type, e.SubjectId, e.Payload, now)));
        }
        await connection.ExecuteAsync(PgSql.Command(
            """
            INSERT INTO events (tenant_id, id, type, subject_id, payload, created_at)
            SELECT e.tenant_id, e.id, e.type, e.subject_id, e.payload::jsonb, @now
            FROM unnest(@tenantIds::text[], @ids::bigint[], @types::text[], @subjects::text[], @payloads::text[])
                 AS e(tenant_id, id, type, subject_id, payload);
            """,
            new
            {
                now,
                tenantIds = appended.Select(e => e.TenantId).ToArray(),
                ids = appended.Select(e => e.Id).ToArray(),
                types = appended.Select(e => e.Type).ToArray(),
                subjects = appended.Select(e => e.SubjectId).ToArray(),
                payloads = appended.Select(e => StoredJson.ToText(e.Payload)).ToArray(),
            },
            transaction, cancellationToken));
        return appended;
    }
    /// <summary>Queues events for <see cref="SequenceAsync"/>: no lock, so job endings of one tenant never queue behind each other's commits.</summary>
    public static async Task EnqueueAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<NewTenantEvent> events, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (events.Count == 0) return;
        await connection.ExecuteAsync(PgSql.Command(
            """
            INSERT INTO event_outbox (tenant_id, type, subject_id, payload, created_at)
            SELECT e.tenant_id, e.type, e.subject_id, e.payload::jsonb, @now
            FROM unnest(@tenantIds::text[], @types::text[], @subjects::text[], @payloads::text[]) AS e(tenant_id, type, subject_id, payload);
            """,
            new
            {
                now,
                tenantIds = events.Select(e => e.TenantId).ToArray(),
                types = events.Select(e => e.Type).ToArray(),
                subjects = events.Select(e => e.SubjectId).ToArray(),
                payloads = events.Select(e => StoredJson.ToText(e.Payload)).ToArray(),
            },
            transaction, cancellationToken));
    }

    /// <summary>
    /// Moves up to <paramref name="limit"/> queued events (oldest first) into <c>events</c> with their
    /// tenants' next ids, in one statement; returns how many moved. One sequencer at a time (a
    /// transaction-scoped advisory lock), and the tenants' sequence rows stay locked until the commit,
    /// so ids are gap-free and a reader's "after id N" never skips one committed later. Runs in the
    /// caller's system-scope transaction.
    /// </summary>
    public static async Task<int> SequenceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int limit, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(PgSql.Command(
            "SELECT pg_advisory_xact_lock(hashtextextended('event-sequencer', 0));", null, transaction, cancellationToken));
        return await connection.ExecuteAsync(PgSql.Command(
            """
            WITH moved AS (
                DELETE FROM event_outbox
                WHERE seq IN (SELECT seq FROM event_outbox ORDER BY seq LIMIT @limit)
                RETURNING seq, tenant_id, type, subject_id, payload, created_at
            ), numbered AS (
                SELECT m.*, row_number() OVER (PARTITION BY tenant_id ORDER BY seq) AS n, count(*) OVER (PARTITION BY tenant_id) AS total
                FROM moved m
            ), bumped AS (
                INSERT INTO event_sequences (tenant_id, last_id)
                SELECT tenant_id, MAX(total) FROM numbered GROUP BY tenant_id ORDER BY tenant_id
                ON CONFLICT (tenant_id) DO UPDATE SET last_id = event_sequences.last_id + EXCLUDED.last_id
                RETURNING tenant_id, last_id
            )
            INSERT INTO events (tenant_id, id, type, subject_id, payload, created_at)
            SELECT e.tenant_id, b.last_id - e.total + e.n, e.type, e.subject_id, e.payload, e.created_at
            FROM numbered e JOIN bumped b ON b.tenant_id = e.tenant_id;
            """,
            new { limit }, transaction, cancellationToken));
    }

    /// <summary>Sequences everything queued when it is called, in batches (one transaction each).</summary>
    public static async Task SequenceAllAsync(PostgresDatabase database, CancellationToken cancellationToken)
    {
        const int Batch = 5000;
        while (await database.InSystemAsync((connection, transaction) => SequenceAsync(connection, transaction, Batch, cancellationToken), cancellationToken) == Batch)
        {
        }
    }
}
