using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Baton.Storage.Sqlite;

/// <summary>
/// Appends tenant events inside a caller's write transaction, so an event is committed exactly
/// when its cause is. Ids come from the tenant's row in <c>event_sequences</c>.
/// </summary>
internal static class SqliteTenantEvents
{
    public static async Task<IReadOnlyList<TenantEventRecord>> AppendAsync(
        SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<NewTenantEvent> events, long nowMs, CancellationToken cancellationToken)
    {
        var appended = new List<TenantEventRecord>(events.Count);
        foreach (var group in events.GroupBy(e => e.TenantId, StringComparer.Ordinal))
        {
            var batch = group.ToList();
            var last = await connection.ExecuteScalarAsync<long>(Sql.Command(
                """
                INSERT INTO event_sequences (tenant_id, last_id) VALUES (@tenantId, @count)
                ON CONFLICT (tenant_id) DO UPDATE SET last_id = last_id + @count
                RETURNING last_id;
                """,
                new { tenantId = group.Key, count = batch.Count }, transaction, cancellationToken));
            var id = last - batch.Count;
            foreach (var item in batch)
            {
                id++;
                var payload = StoredJson.ToText(item.Payload);
                await connection.ExecuteAsync(Sql.Command(
                    """
                    INSERT INTO events (tenant_id, id, type, subject_id, payload, created_at)
                    VALUES (@TenantId, @id, @Type, @SubjectId, @payload, @nowMs);
                    """,
                    new { item.TenantId, id, item.Type, item.SubjectId, payload, nowMs }, transaction, cancellationToken));
                appended.Add(new TenantEventRecord(item.TenantId, id, item.Type, item.SubjectId, item.Payload, StoredTime.FromMs(nowMs)));
            }
        }
        return appended;
    }

    public static Task AppendAsync(
        SqliteConnection connection, SqliteTransaction transaction, NewTenantEvent? tenantEvent, long nowMs, CancellationToken cancellationToken) =>
        tenantEvent is null ? Task.CompletedTask : AppendAsync(connection, transaction, [tenantEvent], nowMs, cancellationToken);
}
