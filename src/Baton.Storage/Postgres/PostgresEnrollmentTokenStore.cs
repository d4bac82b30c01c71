using Baton.Storage.Model;
using Dapper;

namespace Baton.Storage.Postgres;

internal sealed class PostgresEnrollmentTokenStore(PostgresDatabase database, TimeProvider time) : IEnrollmentTokenStore
{
    private const string Columns =
        "id AS Id, tenant_id AS TenantId, name AS Name, secret_hash AS SecretHash, created_at AS CreatedAt, expires_at AS ExpiresAt, revoked_at AS RevokedAt";

    public Task CreateAsync(EnrollmentTokenRecord token, CancellationToken cancellationToken) =>
        database.InTenantAsync(token.TenantId, (connection, transaction) => connection.ExecuteAsync(PgSql.Command(
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
                CreatedAt = PgTime.ToDb(token.CreatedAt),
                ExpiresAt = PgTime.ToDb(token.ExpiresAt),
                RevokedAt = PgTime.ToDb(token.RevokedAt),
            },
            transaction, cancellationToken)), cancellationToken);

    // System scope: a presented enrollment token names no tenant until it is found.
    public Task<EnrollmentTokenRecord?> FindForAuthenticationAsync(string tokenId, CancellationToken cancellationToken) =>
        database.InSystemAsync(async (connection, transaction) =>
        {
            var row = await connection.QuerySingleOrDefaultAsync<TokenRow>(PgSql.Command(
                $"SELECT {Columns} FROM enrollment_tokens WHERE id = @tokenId;", new { tokenId }, transaction, cancellationToken));
            return row?.ToRecord();
        }, cancellationToken);

    public Task<IReadOnlyList<EnrollmentTokenRecord>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        database.InTenantAsync<IReadOnlyList<EnrollmentTokenRecord>>(tenantId, async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync<TokenRow>(PgSql.Command(
                $"SELECT {Columns} FROM enrollment_tokens WHERE tenant_id = @tenantId ORDER BY created_at, id;", new { tenantId }, transaction, cancellationToken));
            return rows.Select(row => row.ToRecord()).ToList();
        }, cancellationToken);

    public Task<bool> RevokeAsync(string tenantId, string tokenId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async (connection, transaction) =>
        {
            var updated = await connection.ExecuteAsync(PgSql.Command(
                "UPDATE enrollment_tokens SET revoked_at = @now WHERE id = @tokenId AND tenant_id = @tenantId AND revoked_at IS NULL;",
                new { tenantId, tokenId, now = PgTime.ToDb(time.GetUtcNow()) }, transaction, cancellationToken));
            return updated == 1;
        }, cancellationToken);

    private sealed class TokenRow
    {
        public string Id { get; set; } = "";
        public string TenantId { get; set; } = "";
        public string Name { get; set; } = "";
        public string SecretHash { get; set; } = "";
        public DateTime CreatedAt { get; set; }
        public DateTime? ExpiresAt { get; set; }
        public DateTime? RevokedAt { get; set; }

        public EnrollmentTokenRecord ToRecord() => new(
            Id, TenantId, Name, SecretHash, PgTime.FromDb(CreatedAt), PgTime.FromDb(ExpiresAt), PgTime.FromDb(RevokedAt));
    }
}
