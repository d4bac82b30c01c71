using System.Globalization;
using System.Text;
using Baton.Storage.Model;
using Dapper;

namespace Baton.Storage.Postgres;

internal sealed class PostgresEventStore(PostgresDatabase database, TimeProvider time) : IEventStore
{
    private const int MaxPageSize = 1000;

    public Task<TenantEventRecord?> AppendAsync(NewTenantEvent tenantEvent, TimeSpan? onceWithin, CancellationToken cancellationToken) =>
        database.InTenantAsync<TenantEventRecord?>(tenantEvent.TenantId, async (connection, transaction) =>
        {
            var now = PgTime.ToDb(time.GetUtcNow());
            if (onceWithin is { } window)
            {
                // The tenant's sequence row, locked first, serialises this check with every other append of the tenant.
                await connection.ExecuteAsync(PgSql.Command(
                    """
                    INSERT INTO event_sequences (tenant_id, last_id) VALUES (@TenantId, 0)
                    ON CONFLICT (tenant_id) DO UPDATE SET last_id = event_sequences.last_id;
                    """,
                    new { tenantEvent.TenantId }, transaction, cancellationToken));
                var recent = await connection.ExecuteScalarAsync<bool>(PgSql.Command(
                    """
                    SELECT EXISTS (SELECT 1 FROM events
                                   WHERE tenant_id = @TenantId AND type = @Type AND subject_id = @SubjectId AND created_at > @since);
                    """,
                    new { tenantEvent.TenantId, tenantEvent.Type, tenantEvent.SubjectId, since = now - window }, transaction, cancellationToken));
                if (recent) return null;
            }
            var appended = await PostgresTenantEvents.AppendAsync(connection, transaction, [tenantEvent], now, cancellationToken);
            return appended[0];
        }, cancellationToken);

    public async Task<IReadOnlyList<TenantEventRecord>> ListAsync(
        string tenantId, long afterId, IReadOnlyList<string>? types, int limit, CancellationToken cancellationToken)
    {
        // Events committed before this call may still be queued: number them first, so the page has them.
        await PostgresTenantEvents.SequenceAllAsync(database, cancellationToken);
        var sql = new StringBuilder($"SELECT {Relational.EventRow.Select} FROM events WHERE tenant_id = @tenantId AND id > @afterId");
        var parameters = new DynamicParameters(new { tenantId, afterId });
        if (types is { Count: > 0 })
        {
            sql.Append(" AND type = ANY(@types)");
            parameters.Add("types", types.ToArray());
        }
        sql.Append(CultureInfo.InvariantCulture, $" ORDER BY id LIMIT {Math.Clamp(limit, 1, MaxPageSize)};");
        return await database.InTenantAsync<IReadOnlyList<TenantEventRecord>>(tenantId, async (connection, transaction) =>
            (await connection.QueryAsync<Relational.EventRow>(PgSql.Command(sql.ToString(), parameters, transaction, cancellationToken)))
                .Select(row => row.ToRecord()).ToList(), cancellationToken);
    }

    public async Task<long> GetLatestIdAsync(string tenantId, CancellationToken cancellationToken)
    {
        await PostgresTenantEvents.SequenceAllAsync(database, cancellationToken);
        return await database.InTenantAsync(tenantId, (connection, transaction) => connection.ExecuteScalarAsync<long>(PgSql.Command(
            "SELECT COALESCE((SELECT last_id FROM event_sequences WHERE tenant_id = @tenantId), 0);", new { tenantId }, transaction, cancellationToken)),
            cancellationToken);
    }
}
