using System.Globalization;
using System.Text;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Sqlite;

internal sealed class SqliteEventStore(SqliteDatabase database, TimeProvider time) : IEventStore
{
    private const int MaxPageSize = 1000;

    public Task<TenantEventRecord?> AppendAsync(NewTenantEvent tenantEvent, TimeSpan? onceWithin, CancellationToken cancellationToken) =>
        database.WriteAsync<TenantEventRecord?>(async (connection, transaction) =>
        {
            var now = StoredTime.ToMs(time.GetUtcNow());
            if (onceWithin is { } window)
            {
                var recent = await connection.ExecuteScalarAsync<bool>(Sql.Command(
                    """
                    SELECT EXISTS (SELECT 1 FROM events
                                   WHERE tenant_id = @TenantId AND type = @Type AND subject_id = @SubjectId AND created_at > @since);
                    """,
                    new { tenantEvent.TenantId, tenantEvent.Type, tenantEvent.SubjectId, since = now - (long)window.TotalMilliseconds },
                    transaction, cancellationToken));
                if (recent) return null;
            }
            var appended = await SqliteTenantEvents.AppendAsync(connection, transaction, [tenantEvent], now, cancellationToken);
            return appended[0];
        }, cancellationToken);

    public Task<IReadOnlyList<TenantEventRecord>> ListAsync(
        string tenantId, long afterId, IReadOnlyList<string>? types, int limit, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder($"SELECT {Relational.EventRow.Select} FROM events WHERE tenant_id = @tenantId AND id > @afterId");
        var parameters = new DynamicParameters(new { tenantId, afterId });
        if (types is { Count: > 0 })
        {
            sql.Append(" AND type IN @types");
            parameters.Add("types", types);
        }
        sql.Append(CultureInfo.InvariantCulture, $" ORDER BY id LIMIT {Math.Clamp(limit, 1, MaxPageSize)};");
        return database.ReadAsync<IReadOnlyList<TenantEventRecord>>(async connection =>
            (await connection.QueryAsync<Relational.EventRow>(Sql.Command(sql.ToString(), parameters, cancellationToken)))
                .Select(row => row.ToRecord()).ToList(), cancellationToken);
    }

    public Task<long> GetLatestIdAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => connection.ExecuteScalarAsync<long>(Sql.Command(
            "SELECT COALESCE((SELECT last_id FROM event_sequences WHERE tenant_id = @tenantId), 0);", new { tenantId }, cancellationToken)),
            cancellationToken);
}
