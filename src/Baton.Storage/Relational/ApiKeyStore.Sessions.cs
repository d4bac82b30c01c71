namespace Baton.Storage.Relational;

/// <summary>Dashboard sessions ended by sign-out: a session lives only as long as its key, and not past its revocation.</summary>
internal sealed partial class ApiKeyStore
{
    // System scope: the expired revocations swept on the way belong to any tenant (a janitor's sweep, bounded by the index).
    public Task RevokeSessionAsync(string tenantId, string sessionId, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.SystemWriteAsync(async session =>
        {
            await session.ExecuteAsync("DELETE FROM revoked_sessions WHERE expires_at <= @now;", new { now });
            if (expiresAt <= now) return;
            await session.ExecuteAsync(
                """
                INSERT INTO revoked_sessions (session_id, tenant_id, expires_at, revoked_at)
                VALUES (@sessionId, @tenantId, @expiresAt, @now)
                ON CONFLICT (session_id) DO NOTHING;
                """,
                new { sessionId, tenantId, expiresAt, now });
        }, cancellationToken);

    // System scope: a presented session names no tenant the store may trust until it is checked.
    public Task<bool> IsSessionRevokedAsync(string sessionId, CancellationToken cancellationToken) =>
        database.SystemReadAsync(async session => await session.ScalarAsync<long>(
            "SELECT COUNT(*) FROM revoked_sessions WHERE session_id = @sessionId;", new { sessionId }) > 0, cancellationToken);
}
