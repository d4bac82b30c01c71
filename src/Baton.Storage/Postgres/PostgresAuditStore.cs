using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Postgres;

/// <summary>
/// The audit log on PostgreSQL: appended in the tenant's scope, read in the tenant's scope or, for system
/// admins, the system scope. The runtime role holds no UPDATE or DELETE grant on the table.
/// </summary>
internal sealed class PostgresAuditStore(PostgresDatabase database) : IAuditStore
{
    private static readonly string Columns = AuditSql.Columns("summary::text");

    public Task<AuditEntryRecord> AppendAsync(NewAuditEntry entry, CancellationToken cancellationToken) =>
        database.InTenantAsync(entry.TenantId, async (connection, transaction) =>
        {
            var at = PgTime.ToDb(entry.At);
            var id = await connection.ExecuteScalarAsync<long>(PgSql.Command(
                $"""
                INSERT INTO audit_log ({AuditSql.InsertColumns})
                VALUES (@TenantId, @at, @type, @keyId, @actorTenantId, @role, @systemAdmin, @Action, @TargetType, @TargetId, @SourceAddress,
                        CAST(@summary AS jsonb))
                RETURNING id;
                """,
                new
                {
                    entry.TenantId,
                    at,
                    type = entry.Actor.Type,
                    keyId = entry.Actor.KeyId,
                    actorTenantId = entry.Actor.TenantId,
                    role = entry.Actor.Role,
                    systemAdmin = entry.Actor.IsSystemAdmin,
                    entry.Action,
                    entry.TargetType,
                    entry.TargetId,
                    entry.SourceAddress,
                    summary = StoredJson.ToText(entry.Summary),
                },
                transaction, cancellationToken));
            return new AuditEntryRecord(id, entry.TenantId, at, entry.Actor, entry.Action, entry.TargetType, entry.TargetId, entry.SourceAddress, entry.Summary);
        }, cancellationToken);

    public Task<IReadOnlyList<AuditEntryRecord>> ListAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        var (sql, parameters) = AuditSql.Select(query, Columns, at => PgTime.ToDb(at));
        async Task<IReadOnlyList<AuditEntryRecord>> ReadAsync(Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction transaction) =>
            (await connection.QueryAsync<Row>(PgSql.Command(sql, parameters, transaction, cancellationToken))).Select(row => row.ToRecord()).ToList();
        // Every tenant only for system admins (the API decides); otherwise Row-Level Security holds the read to one tenant.
        return query.TenantId is { } tenantId
            ? database.ReadInTenantAsync(tenantId, ReadAsync, cancellationToken)
            : database.InSystemAsync(ReadAsync, cancellationToken);
    }

    private sealed class Row
    {
        public long Id { get; set; }
        public string TenantId { get; set; } = "";
        public DateTime At { get; set; }
        public string ActorType { get; set; } = "";
        public string? ActorKeyId { get; set; }
        public string? ActorTenantId { get; set; }
        public string? ActorRole { get; set; }
        public bool ActorSystemAdmin { get; set; }
        public string Action { get; set; } = "";
        public string TargetType { get; set; } = "";
        public string TargetId { get; set; } = "";
        public string? SourceAddress { get; set; }
        public string Summary { get; set; } = "{}";

        public AuditEntryRecord ToRecord() => new(
            Id, TenantId, PgTime.FromDb(At), new AuditActor(ActorType, ActorKeyId, ActorTenantId, ActorRole, ActorSystemAdmin),
            Action, TargetType, TargetId, SourceAddress, StoredJson.ParseElement(Summary));
    }
}
