using Baton.Storage.Model;
using Baton.Storage.Serialization;

namespace Baton.Storage.Relational;

/// <summary>
/// The audit log: appended in the tenant's scope, read in the tenant's scope or, for system admins, the
/// system scope. On PostgreSQL the runtime role holds no UPDATE or DELETE grant on the table.
/// </summary>
internal sealed class AuditStore(IStoreDatabase database) : IAuditStore
{
    public Task<AuditEntryRecord> AppendAsync(NewAuditEntry entry, CancellationToken cancellationToken) =>
        database.WriteAsync(entry.TenantId, async session =>
        {
            // Both backends keep whole milliseconds: the record returned is the one a read gives back.
            var at = DateTimeOffset.FromUnixTimeMilliseconds(entry.At.ToUnixTimeMilliseconds());
            var id = await session.ScalarAsync<long>(
                $"""
                INSERT INTO audit_log ({AuditSql.InsertColumns})
                VALUES (@TenantId, @at, @type, @keyId, @actorTenantId, @role, @systemAdmin, @Action, @TargetType, @TargetId, @SourceAddress, @summary)
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
                    summary = new JsonText(StoredJson.ToText(entry.Summary)),
                });
            return new AuditEntryRecord(id, entry.TenantId, at, entry.Actor, entry.Action, entry.TargetType, entry.TargetId, entry.SourceAddress, entry.Summary);
        }, cancellationToken);

    public Task<IReadOnlyList<AuditEntryRecord>> ListAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        var (sql, parameters) = AuditSql.Query(query);
        async Task<IReadOnlyList<AuditEntryRecord>> ReadAsync(StoreSession session) =>
            (await session.QueryAsync<Row>(sql, parameters)).Select(row => row.ToRecord()).ToList();
        // Every tenant only for system admins (the API decides); otherwise Row-Level Security holds the read to one tenant.
        return query.TenantId is { } tenantId
            ? database.ReadListAsync(tenantId, ReadAsync, cancellationToken)
            : database.SystemReadAsync(ReadAsync, cancellationToken);
    }

    private sealed class Row
    {
        public long Id { get; set; }
        public string TenantId { get; set; } = "";
        public DateTimeOffset At { get; set; }
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
            Id, TenantId, At, new AuditActor(ActorType, ActorKeyId, ActorTenantId, ActorRole, ActorSystemAdmin),
            Action, TargetType, TargetId, SourceAddress, StoredJson.ParseElement(Summary));
    }
}
