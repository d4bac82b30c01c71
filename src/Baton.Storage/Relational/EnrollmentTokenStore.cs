using Baton.Storage.Model;

namespace Baton.Storage.Relational;

internal sealed class EnrollmentTokenStore(IStoreDatabase database, TimeProvider time) : IEnrollmentTokenStore
{
    // In the order of EnrollmentTokenRecord's constructor: Dapper reads a row straight into it.
    private static readonly string[] All = ["id", "tenant_id", "name", "secret_hash", "created_at", "expires_at", "revoked_at"];

    private static readonly string Select = Columns.Select(All);
    private static readonly string Insert = $"INSERT INTO enrollment_tokens ({Columns.Names(All)}) VALUES ({Columns.Values(All)});";

    public Task CreateAsync(EnrollmentTokenRecord token, CancellationToken cancellationToken) =>
        database.WriteAsync(token.TenantId, session => session.ExecuteAsync(Insert, token), cancellationToken);

    // System scope: a presented enrollment token names no tenant until it is found.
    public Task<EnrollmentTokenRecord?> FindForAuthenticationAsync(string tokenId, CancellationToken cancellationToken) =>
        database.SystemReadAsync(session => session.QuerySingleOrDefaultAsync<EnrollmentTokenRecord>(
            $"SELECT {Select} FROM enrollment_tokens WHERE id = @tokenId;", new { tokenId }), cancellationToken);

    public Task<IReadOnlyList<EnrollmentTokenRecord>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => session.ListAsync<EnrollmentTokenRecord>(
            $"SELECT {Select} FROM enrollment_tokens WHERE tenant_id = @tenantId ORDER BY created_at, id;", new { tenantId }), cancellationToken);

    public Task<bool> RevokeAsync(string tenantId, string tokenId, CancellationToken cancellationToken) =>
        database.WriteAsync(tenantId, async session => await session.ExecuteAsync(
            "UPDATE enrollment_tokens SET revoked_at = @now WHERE id = @tokenId AND tenant_id = @tenantId AND revoked_at IS NULL;",
            new { tenantId, tokenId, now = time.GetUtcNow() }) == 1, cancellationToken);
}
