using System.Globalization;
using System.Text;
using Baton.Storage.Model;
using Dapper;

namespace Baton.Storage.Relational;

/// <summary>The tenant event log: appended in the tenant's scope, read by id after a cursor.</summary>
internal sealed class EventStore(IStoreDatabase database, TimeProvider time) : IEventStore
{
    private const int MaxPageSize = 1000;

    public Task<TenantEventRecord?> AppendAsync(NewTenantEvent tenantEvent, TimeSpan? onceWithin, CancellationToken cancellationToken) =>
        database.WriteAsync<TenantEventRecord?>(tenantEvent.TenantId, async session =>
        {
            var now = time.GetUtcNow();
            if (onceWithin is { } window)
            {
                // The tenant's sequence row, locked first, serialises this check with every other append of the tenant
                // (on PostgreSQL; SQLite's single writer does already).
                await session.ExecuteAsync(
                    """
                    INSERT INTO event_sequences (tenant_id, last_id) VALUES (@TenantId, 0)
                    ON CONFLICT (tenant_id) DO UPDATE SET last_id = event_sequences.last_id;
                    """,
                    new { tenantEvent.TenantId });
                var recent = await session.ScalarAsync<bool>(
                    """
                    SELECT EXISTS (SELECT 1 FROM events
                                   WHERE tenant_id = @TenantId AND type = @Type AND subject_id = @SubjectId AND created_at > @since);
                    """,
                    new { tenantEvent.TenantId, tenantEvent.Type, tenantEvent.SubjectId, since = now - window });
                if (recent) return null;
            }
            return (await TenantEvents.AppendAsync(session, [tenantEvent], now))[0];
        }, cancellationToken);

    public async Task<IReadOnlyList<TenantEventRecord>> ListAsync(
        string tenantId, long afterId, IReadOnlyList<string>? types, int limit, CancellationToken cancellationToken)
    {
        // Events committed before this call may still be queued: number them first, so the page has them.
        await TenantEvents.SequenceAsync(database, cancellationToken);
        return await database.ReadAsync<IReadOnlyList<TenantEventRecord>>(tenantId, async session =>
        {
            var sql = new StringBuilder($"SELECT {EventRow.Select} FROM events WHERE tenant_id = @tenantId AND id > @afterId");
            var parameters = new DynamicParameters(new { tenantId, afterId });
            if (types is { Count: > 0 })
            {
                sql.Append(" AND ").Append(session.Dialect.InList("type", "types"));
                parameters.Add("types", new TextList(types));
            }
            sql.Append(CultureInfo.InvariantCulture, $" ORDER BY id LIMIT {Math.Clamp(limit, 1, MaxPageSize)};");
            return (await session.QueryAsync<TenantEventRecord>(sql.ToString(), parameters)).ToList();
        }, cancellationToken);
    }

    public async Task<long> GetLatestIdAsync(string tenantId, CancellationToken cancellationToken)
    {
        await TenantEvents.SequenceAsync(database, cancellationToken);
        return await database.ReadAsync(tenantId, session => session.ScalarAsync<long>(
            "SELECT COALESCE((SELECT last_id FROM event_sequences WHERE tenant_id = @tenantId), 0);", new { tenantId }), cancellationToken);
    }
}
