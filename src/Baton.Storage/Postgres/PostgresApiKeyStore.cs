using Baton.Core.Auth;
using Baton.Storage.Model;
using Dapper;

namespace Baton.Storage.Postgres;

internal sealed class PostgresApiKeyStore(PostgresDatabase database, TimeProvider time) : IApiKeyStore
{
    private const string Columns =
        "id AS Id, tenant_id AS TenantId, name AS Name, role AS Role, is_system_admin AS IsSystemAdmin, secret_hash AS SecretHash, " +
        "created_at AS CreatedAt, revoked_at AS RevokedAt, last_used_at AS LastUsedAt";

    public Task CreateAsync(ApiKeyRecord key, CancellationToken cancellationToken) =>
        database.InTenantAsync(key.TenantId, (connection, transaction) => connection.ExecuteAsync(PgSql.Command(
            """
            INSERT INTO api_keys (id, tenant_id, name, role, is_system_admin, secret_hash, created_at, revoked_at, last_used_at)
            VALUES (@Id, @TenantId, @Name, @Role, @IsSystemAdmin, @SecretHash, @CreatedAt, @RevokedAt, @LastUsedAt);
            """,
            new
            {
                key.Id,
                key.TenantId,
                key.Name,
                Role = key.Role.ToText(),
                key.IsSystemAdmin,
                key.SecretHash,
                CreatedAt = PgTime.ToDb(key.CreatedAt),
                RevokedAt = PgTime.ToDb(key.RevokedAt),
                LastUsedAt = PgTime.ToDb(key.LastUsedAt),
            },
            transaction, cancellationToken)), cancellationToken);

    // System scope: a presented key names no tenant until it is found.
    public Task<ApiKeyRecord?> FindForAuthenticationAsync(string keyId, CancellationToken cancellationToken) =>
        database.InSystemAsync(async (connection, transaction) =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<ApiKeyRow>(PgSql.Command(
                $"SELECT {Columns} FROM api_keys WHERE id = @keyId;", new { keyId }, transaction, cancellationToken));
            return row?.ToRecord();
        }, cancellationToken);

    public Task<ApiKeyRecord?> GetAsync(string tenantId, string keyId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async (connection, transaction) =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<ApiKeyRow>(PgSql.Command(
                $"SELECT {Columns} FROM api_keys WHERE id = @keyId AND tenant_id = @tenantId;", new { tenantId, keyId }, transaction, cancellationToken));
            return row?.ToRecord();
        }, cancellationToken);

    public Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        database.InTenantAsync<IReadOnlyList<ApiKeyRecord>>(tenantId, async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync<ApiKeyRow>(PgSql.Command(
                $"SELECT {Columns} FROM api_keys WHERE tenant_id = @tenantId ORDER BY created_at, id;", new { tenantId }, transaction, cancellationToken));
            return rows.Select(row => row.ToRecord()).ToList();
        }, cancellationToken);

    public Task<bool> RevokeAsync(string tenantId, string keyId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async (connection, transaction) =>
        {
            var updated = await connection.ExecuteAsync(PgSql.Command(
                "UPDATE api_keys SET revoked_at = @now WHERE id = @keyId AND tenant_id = @tenantId AND revoked_at IS NULL;",
                new { tenantId, keyId, now = PgTime.ToDb(time.GetUtcNow()) }, transaction, cancellationToken));
            return updated == 1;
        }, cancellationToken);

    public Task<bool> ChangeRoleAsync(string tenantId, string keyId, ApiRole role, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async (connection, transaction) =>
        {
            var updated = await connection.ExecuteAsync(PgSql.Command(
                "UPDATE api_keys SET role = @role WHERE id = @keyId AND tenant_id = @tenantId AND revoked_at IS NULL;",
                new { tenantId, keyId, role = role.ToText() }, transaction, cancellationToken));
            return updated == 1;
        }, cancellationToken);

    // System scope: one flush carries the last-use times of keys of many tenants, written in one statement.
    public Task TouchAsync(IReadOnlyDictionary<string, DateTimeOffset> lastUsedByKeyId, CancellationToken cancellationToken)
    {
        if (lastUsedByKeyId.Count == 0) return Task.CompletedTask;
        return database.InSystemAsync((connection, transaction) => connection.ExecuteAsync(PgSql.Command(
            """
            UPDATE api_keys k SET last_used_at = u.at
            FROM unnest(@keyIds::text[], @ats::timestamptz[]) AS u(id, at)
            WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.at);
            """,
            new
            {
                keyIds = lastUsedByKeyId.Keys.ToArray(),
                ats = lastUsedByKeyId.Values.Select(PgTime.ToDbUtc).ToArray(),
            },
            transaction, cancellationToken)), cancellationToken);
    }

    private sealed class ApiKeyRow
    {
        public string Id { get; set; } = "";
        public string TenantId { get; set; } = "";
        public string Name { get; set; } = "";
        public string Role { get; set; } = "";
        public bool IsSystemAdmin { get; set; }
        public string SecretHash { get; set; } = "";
        public DateTime CreatedAt { get; set; }
        public DateTime? RevokedAt { get; set; }
        public DateTime? LastUsedAt { get; set; }

        public ApiKeyRecord ToRecord() => new(
            Id,
            TenantId,
            Name,
            ApiRoles.TryParse(Role, out var role) ? role : throw new InvalidDataException($"Unknown API role '{Role}'."),
            IsSystemAdmin,
            SecretHash,
            PgTime.FromDb(CreatedAt),
            PgTime.FromDb(RevokedAt),
            PgTime.FromDb(LastUsedAt));
    }
}
