using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;
using Npgsql;

namespace Baton.Storage.Postgres;

/// <summary>
/// Appends tenant events inside a caller's transaction, so an event is committed exactly when its
/// cause is. Each tenant's <c>event_sequences</c> row stays locked until that commit, so the tenant's
/// ids are handed out and committed in the same order. Callers append last in their transaction and
/// tenants are locked in id order, so two transactions never wait on each other in a cycle.
/// </summary>
internal static class PostgresTenantEvents
{
    public const string Columns =
        "tenant_id AS TenantId, id AS Id, type AS Type, subject_id AS SubjectId, payload::text AS Payload, created_at AS CreatedAt";

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
}

internal sealed class PostgresEventRow
{
    public string TenantId { get; set; } = "";
    public long Id { get; set; }
    public string Type { get; set; } = "";
    public string SubjectId { get; set; } = "";
    public string Payload { get; set; } = "";
    public DateTime CreatedAt { get; set; }

    public TenantEventRecord ToRecord() =>
        new(TenantId, Id, Type, SubjectId, StoredJson.ParseElement(Payload), PgTime.FromDb(CreatedAt));
}
