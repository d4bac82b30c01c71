using Baton.Core.Auth;
using Baton.Storage.Model;

namespace Baton.Storage.Relational;

internal sealed partial class ApiKeyStore(IStoreDatabase database, TimeProvider time) : IApiKeyStore
{
    private static readonly string[] All =
        ["id", "tenant_id", "name", "role", "is_system_admin", "secret_hash", "created_at", "revoked_at", "last_used_at"];

    private static readonly string Select = Columns.Select(All);
    private static readonly string Insert = $"INSERT INTO api_keys ({Columns.Names(All)}) VALUES ({Columns.Values(All)});";

    public Task CreateAsync(ApiKeyRecord key, CancellationToken cancellationToken) =>
        database.WriteAsync(key.TenantId, session => session.ExecuteAsync(
            Insert,
            new { key.Id, key.TenantId, key.Name, Role = key.Role.ToText(), key.IsSystemAdmin, key.SecretHash, key.CreatedAt, key.RevokedAt, key.LastUsedAt }),
            cancellationToken);

    // System scope: a presented key names no tenant until it is found.
    public Task<ApiKeyRecord?> FindForAuthenticationAsync(string keyId, CancellationToken cancellationToken) =>
        database.SystemReadAsync(async session => (await session.QuerySingleOrDefaultAsync<ApiKeyRow>(
            $"SELECT {Select} FROM api_keys WHERE id = @keyId;", new { keyId }))?.ToRecord(), cancellationToken);

    public Task<ApiKeyRecord?> GetAsync(string tenantId, string keyId, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, async session => (await session.QuerySingleOrDefaultAsync<ApiKeyRow>(
            $"SELECT {Select} FROM api_keys WHERE id = @keyId AND tenant_id = @tenantId;", new { tenantId, keyId }))?.ToRecord(), cancellationToken);

    public Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<ApiKeyRecord>>(tenantId, async session => (await session.QueryAsync<ApiKeyRow>(
            $"SELECT {Select} FROM api_keys WHERE tenant_id = @tenantId ORDER BY created_at, id;", new { tenantId }))
            .Select(row => row.ToRecord()).ToList(), cancellationToken);

    public Task<bool> RevokeAsync(string tenantId, string keyId, CancellationToken cancellationToken) =>
        database.WriteAsync(tenantId, async session => await session.ExecuteAsync(
            "UPDATE api_keys SET revoked_at = @now WHERE id = @keyId AND tenant_id = @tenantId AND revoked_at IS NULL;",
            new { tenantId, keyId, now = time.GetUtcNow() }) == 1, cancellationToken);

    public Task<bool> ChangeRoleAsync(string tenantId, string keyId, ApiRole role, CancellationToken cancellationToken) =>
        database.WriteAsync(tenantId, async session => await session.ExecuteAsync(
            "UPDATE api_keys SET role = @role WHERE id = @keyId AND tenant_id = @tenantId AND revoked_at IS NULL;",
            new { tenantId, keyId, role = role.ToText() }) == 1, cancellationToken);

    // System scope: one flush carries the last-use times of keys of many tenants, written in one statement.
    public Task TouchAsync(IReadOnlyDictionary<string, DateTimeOffset> lastUsedByKeyId, CancellationToken cancellationToken)
    {
        if (lastUsedByKeyId.Count == 0) return Task.CompletedTask;
        return database.SystemWriteAsync(session => session.ExecuteAsync(
            // Never moves backwards: a late flush of an older time keeps the newer one.
            $"""
            UPDATE api_keys SET last_used_at = u.at
            FROM {session.Dialect.RowsOf("u", ("keyIds", "id"), ("ats", "at"))}
            WHERE api_keys.id = u.id AND (api_keys.last_used_at IS NULL OR api_keys.last_used_at < u.at);
            """,
            new { keyIds = new TextList([.. lastUsedByKeyId.Keys]), ats = ValueList.Of(lastUsedByKeyId.Values) }), cancellationToken);
    }

    private sealed class ApiKeyRow
    {
        public string Id { get; set; } = "";
        public string TenantId { get; set; } = "";
        public string Name { get; set; } = "";
        public string Role { get; set; } = "";
        public bool IsSystemAdmin { get; set; }
        public string SecretHash { get; set; } = "";
        public DateTimeOffset CreatedAt { get; set; }
        public DateTimeOffset? RevokedAt { get; set; }
        public DateTimeOffset? LastUsedAt { get; set; }

        public ApiKeyRecord ToRecord() => new(
            Id, TenantId, Name,
            ApiRoles.TryParse(Role, out var role) ? role : throw new InvalidDataException($"Unknown API role '{Role}'."),
            IsSystemAdmin, SecretHash, CreatedAt, RevokedAt, LastUsedAt);
    }
}
