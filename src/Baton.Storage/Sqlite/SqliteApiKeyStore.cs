using Baton.Core.Auth;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Sqlite;

internal sealed class SqliteApiKeyStore(SqliteDatabase database, TimeProvider time) : IApiKeyStore
{
    private const string Columns =
        "id AS Id, tenant_id AS TenantId, name AS Name, role AS Role, is_system_admin AS IsSystemAdmin, secret_hash AS SecretHash, " +
        "created_at AS CreatedAt, revoked_at AS RevokedAt, last_used_at AS LastUsedAt";

    public Task CreateAsync(ApiKeyRecord key, CancellationToken cancellationToken) =>
        database.WriteAsync((connection, transaction) => connection.ExecuteAsync(Sql.Command(
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
                IsSystemAdmin = key.IsSystemAdmin ? 1 : 0,
                key.SecretHash,
                CreatedAt = StoredTime.ToMs(key.CreatedAt),
                RevokedAt = StoredTime.ToMs(key.RevokedAt),
                LastUsedAt = StoredTime.ToMs(key.LastUsedAt),
            },
            transaction, cancellationToken)), cancellationToken);

    public Task<ApiKeyRecord?> FindForAuthenticationAsync(string keyId, CancellationToken cancellationToken) =>
        database.ReadAsync(async connection =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<ApiKeyRow>(Sql.Command(
                $"SELECT {Columns} FROM api_keys WHERE id = @keyId;", new { keyId }, cancellationToken));
            return row?.ToRecord();
        }, cancellationToken);

    public Task<ApiKeyRecord?> GetAsync(string tenantId, string keyId, CancellationToken cancellationToken) =>
        database.ReadAsync(async connection =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<ApiKeyRow>(Sql.Command(
                $"SELECT {Columns} FROM api_keys WHERE id = @keyId AND tenant_id = @tenantId;", new { tenantId, keyId }, cancellationToken));
            return row?.ToRecord();
        }, cancellationToken);

    public Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<ApiKeyRecord>>(async connection =>
        {
            var rows = await connection.QueryAsync<ApiKeyRow>(Sql.Command(
                $"SELECT {Columns} FROM api_keys WHERE tenant_id = @tenantId ORDER BY created_at, id;", new { tenantId }, cancellationToken));
            return rows.Select(row => row.ToRecord()).ToList();
        }, cancellationToken);

    public Task<bool> RevokeAsync(string tenantId, string keyId, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var updated = await connection.ExecuteAsync(Sql.Command(
                "UPDATE api_keys SET revoked_at = @now WHERE id = @keyId AND tenant_id = @tenantId AND revoked_at IS NULL;",
                new { tenantId, keyId, now = StoredTime.ToMs(time.GetUtcNow()) }, transaction, cancellationToken));
            return updated == 1;
        }, cancellationToken);

    public Task<bool> ChangeRoleAsync(string tenantId, string keyId, ApiRole role, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var updated = await connection.ExecuteAsync(Sql.Command(
                "UPDATE api_keys SET role = @role WHERE id = @keyId AND tenant_id = @tenantId AND revoked_at IS NULL;",
                new { tenantId, keyId, role = role.ToText() }, transaction, cancellationToken));
            return updated == 1;
        }, cancellationToken);

    public Task TouchAsync(IReadOnlyDictionary<string, DateTimeOffset> lastUsedByKeyId, CancellationToken cancellationToken)
    {
        if (lastUsedByKeyId.Count == 0) return Task.CompletedTask;
        return database.WriteAsync(async (connection, transaction) =>
        {
            foreach (var (keyId, at) in lastUsedByKeyId)
            {
                // Never moves backwards: a late flush of an older time keeps the newer one.
                await connection.ExecuteAsync(Sql.Command(
                    "UPDATE api_keys SET last_used_at = @at WHERE id = @keyId AND (last_used_at IS NULL OR last_used_at < @at);",
                    new { keyId, at = StoredTime.ToMs(at) }, transaction, cancellationToken));
            }
        }, cancellationToken);
    }

    private sealed class ApiKeyRow
    {
        public string Id { get; set; } = "";
        public string TenantId { get; set; } = "";
        public string Name { get; set; } = "";
        public string Role { get; set; } = "";
        public long IsSystemAdmin { get; set; }
        public string SecretHash { get; set; } = "";
        public long CreatedAt { get; set; }
        public long? RevokedAt { get; set; }
        public long? LastUsedAt { get; set; }

        public ApiKeyRecord ToRecord() => new(
            Id,
            TenantId,
            Name,
            ApiRoles.TryParse(Role, out var role) ? role : throw new InvalidDataException($"Unknown API role '{Role}'."),
            IsSystemAdmin != 0,
            SecretHash,
            StoredTime.FromMs(CreatedAt),
            StoredTime.FromMs(RevokedAt),
            StoredTime.FromMs(LastUsedAt));
    }
}
