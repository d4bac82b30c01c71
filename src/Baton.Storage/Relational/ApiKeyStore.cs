using Baton.Core.Auth;
using Baton.Storage.Model;

namespace Baton.Storage.Relational;

internal sealed partial class ApiKeyStore(IStoreDatabase database, TimeProvider time) : IApiKeyStore
{
    // Read into the record's properties, the role through its stored form.
    private static readonly string[] All =
        ["id", "tenant_id", "name", "role AS StoredRole", "is_system_admin", "secret_hash", "created_at", "revoked_at", "last_used_at"];

    private static readonly string Select = Columns.Select(All);
    private static readonly string Insert = $"INSERT INTO api_keys ({Columns.Names(All)}) VALUES ({Columns.Values(All)});";

    public Task CreateAsync(ApiKeyRecord key, CancellationToken cancellationToken) =>
        database.WriteAsync(key.TenantId, session => session.ExecuteAsync(
            Insert,
            new { key.Id, key.TenantId, key.Name, key.StoredRole, key.IsSystemAdmin, key.SecretHash, key.CreatedAt, key.RevokedAt, key.LastUsedAt }),
            cancellationToken);

    // System scope: a presented key names no tenant until it is found.
    public Task<ApiKeyRecord?> FindForAuthenticationAsync(string keyId, CancellationToken cancellationToken) =>
        database.SystemReadAsync(session => session.QuerySingleOrDefaultAsync<ApiKeyRecord>(
            $"SELECT {Select} FROM api_keys WHERE id = @keyId;", new { keyId }), cancellationToken);

    public Task<ApiKeyRecord?> GetAsync(string tenantId, string keyId, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => session.QuerySingleOrDefaultAsync<ApiKeyRecord>(
            $"SELECT {Select} FROM api_keys WHERE id = @keyId AND tenant_id = @tenantId;", new { tenantId, keyId }), cancellationToken);

    public Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => session.ListAsync<ApiKeyRecord>(
            $"SELECT {Select} FROM api_keys WHERE tenant_id = @tenantId ORDER BY created_at, id;", new { tenantId }), cancellationToken);

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
}
