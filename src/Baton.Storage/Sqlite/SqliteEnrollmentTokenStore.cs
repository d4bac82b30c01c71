using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Sqlite;

internal sealed class SqliteEnrollmentTokenStore(SqliteDatabase database, TimeProvider time) : IEnrollmentTokenStore
{
    private const string Columns =
        "id AS Id, tenant_id AS TenantId, name AS Name, secret_hash AS SecretHash, created_at AS CreatedAt, expires_at AS ExpiresAt, revoked_at AS RevokedAt";

    public Task CreateAsync(EnrollmentTokenRecord token, CancellationToken cancellationToken) =>
        database.WriteAsync((connection, transaction) => connection.ExecuteAsync(Sql.Command(
            """
            INSERT INTO enrollment_tokens (id, tenant_id, name, secret_hash, created_at, expires_at, revoked_at)
            VALUES (@Id, @TenantId, @Name, @SecretHash, @CreatedAt, @ExpiresAt, @RevokedAt);
            """,
            new
            {
                token.Id,
                token.TenantId,
                token.Name,
                token.SecretHash,
                CreatedAt = StoredTime.ToMs(token.CreatedAt),
                ExpiresAt = StoredTime.ToMs(token.ExpiresAt),
                RevokedAt = StoredTime.ToMs(token.RevokedAt),
            },
            transaction, cancellationToken)), cancellationToken);

    public Task<EnrollmentTokenRecord?> FindForAuthenticationAsync(string tokenId, CancellationToken cancellationToken) =>
        database.ReadAsync(async connection =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<TokenRow>(Sql.Command(
                $"SELECT {Columns} FROM enrollment_tokens WHERE id = @tokenId;", new { tokenId }, cancellationToken));
            return row?.ToRecord();
        }, cancellationToken);

    public Task<IReadOnlyList<EnrollmentTokenRecord>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<EnrollmentTokenRecord>>(async connection =>
        {
            var rows = await connection.QueryAsync<TokenRow>(Sql.Command(
                $"SELECT {Columns} FROM enrollment_tokens WHERE tenant_id = @tenantId ORDER BY created_at, id;", new { tenantId }, cancellationToken));
            return rows.Select(row => row.ToRecord()).ToList();
        }, cancellationToken);

    public Task<bool> RevokeAsync(string tenantId, string tokenId, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var updated = await connection.ExecuteAsync(Sql.Command(
                "UPDATE enrollment_tokens SET revoked_at = @now WHERE id = @tokenId AND tenant_id = @tenantId AND revoked_at IS NULL;",
                new { tenantId, tokenId, now = StoredTime.ToMs(time.GetUtcNow()) }, transaction, cancellationToken));
            return updated == 1;
        }, cancellationToken);

    private sealed class TokenRow
    {
        public string Id { get; set; } = "";
        public string TenantId { get; set; } = "";
        public string Name { get; set; } = "";
        public string SecretHash { get; set; } = "";
        public long CreatedAt { get; set; }
        public long? ExpiresAt { get; set; }
        public long? RevokedAt { get; set; }

        public EnrollmentTokenRecord ToRecord() => new(
            Id, TenantId, Name, SecretHash, StoredTime.FromMs(CreatedAt), StoredTime.FromMs(ExpiresAt), StoredTime.FromMs(RevokedAt));
    }
}
