using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Sqlite;

internal sealed class SqliteAuditStore(SqliteDatabase database) : IAuditStore
{
    private static readonly string Columns = AuditSql.Columns("summary");

    public Task<AuditEntryRecord> AppendAsync(NewAuditEntry entry, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var id = await connection.ExecuteScalarAsync<long>(Sql.Command(
                $"""
                INSERT INTO audit_log ({AuditSql.InsertColumns})
                VALUES (@TenantId, @at, @type, @keyId, @actorTenantId, @role, @systemAdmin, @Action, @TargetType, @TargetId, @SourceAddress, @summary)
                RETURNING id;
                """,
                new
                {
                    entry.TenantId,
                    at = StoredTime.ToMs(entry.At),
                    type = entry.Actor.Type,
                    keyId = entry.Actor.KeyId,
                    actorTenantId = entry.Actor.TenantId,
                    role = entry.Actor.Role,
                    systemAdmin = entry.Actor.IsSystemAdmin ? 1 : 0,
                    entry.Action,
                    entry.TargetType,
                    entry.TargetId,
                    entry.SourceAddress,
                    summary = StoredJson.ToText(entry.Summary),
                },
                transaction, cancellationToken));
            return new AuditEntryRecord(id, entry.TenantId, StoredTime.FromMs(StoredTime.ToMs(entry.At)), entry.Actor, entry.Action,
                entry.TargetType, entry.TargetId, entry.SourceAddress, entry.Summary);
        }, cancellationToken);

    public Task<IReadOnlyList<AuditEntryRecord>> ListAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        var (sql, parameters) = AuditSql.Select(query, Columns, at => StoredTime.ToMs(at));
        return database.ReadAsync<IReadOnlyList<AuditEntryRecord>>(async connection =>
            (await connection.QueryAsync<Row>(Sql.Command(sql, parameters, cancellationToken))).Select(row => row.ToRecord()).ToList(), cancellationToken);
    }

    private sealed class Row
    {
        public long Id { get; set; }
        public string TenantId { get; set; } = "";
        public long At { get; set; }
        public string ActorType { get; set; } = "";
        public string? ActorKeyId { get; set; }
        public string? ActorTenantId { get; set; }
        public string? ActorRole { get; set; }
        public long ActorSystemAdmin { get; set; }
        public string Action { get; set; } = "";
        public string TargetType { get; set; } = "";
        public string TargetId { get; set; } = "";
        public string? SourceAddress { get; set; }
        public string Summary { get; set; } = "{}";

        public AuditEntryRecord ToRecord() => new(
            Id, TenantId, StoredTime.FromMs(At), new AuditActor(ActorType, ActorKeyId, ActorTenantId, ActorRole, ActorSystemAdmin != 0),
            Action, TargetType, TargetId, SourceAddress, StoredJson.ParseElement(Summary));
    }
}
