using Baton.Storage.Model;

namespace Baton.Storage;

public interface IApiKeyStore
{
    Task CreateAsync(ApiKeyRecord key, CancellationToken cancellationToken);
    /// <summary>By id across tenants: used only to authenticate a presented key.</summary>
    Task<ApiKeyRecord?> FindForAuthenticationAsync(string keyId, CancellationToken cancellationToken);
    Task<ApiKeyRecord?> GetAsync(string tenantId, string keyId, CancellationToken cancellationToken);
    Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string tenantId, CancellationToken cancellationToken);
    /// <summary>False when the key does not exist in the tenant or was already revoked.</summary>
    Task<bool> RevokeAsync(string tenantId, string keyId, CancellationToken cancellationToken);
    /// <summary>Sets a live key's role; false when the key does not exist in the tenant or is revoked.</summary>
    Task<bool> ChangeRoleAsync(string tenantId, string keyId, Core.Auth.ApiRole role, CancellationToken cancellationToken);
    Task TouchAsync(IReadOnlyDictionary<string, DateTimeOffset> lastUsedByKeyId, CancellationToken cancellationToken);

    /// <summary>
    /// Ends a dashboard session (made from one of the tenant's keys) before <paramref name="expiresAt"/>, its own expiry:
    /// sign-out. Revocations of sessions expired by <paramref name="now"/> are dropped on the way (no longer needed).
    /// </summary>
    Task RevokeSessionAsync(string tenantId, string sessionId, DateTimeOffset expiresAt, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Whether a session was revoked; by id across tenants, used only to authenticate a presented session.</summary>
    Task<bool> IsSessionRevokedAsync(string sessionId, CancellationToken cancellationToken);
}

public interface IEnrollmentTokenStore
{
    Task CreateAsync(EnrollmentTokenRecord token, CancellationToken cancellationToken);
    Task<EnrollmentTokenRecord?> FindForAuthenticationAsync(string tokenId, CancellationToken cancellationToken);
    Task<IReadOnlyList<EnrollmentTokenRecord>> ListAsync(string tenantId, CancellationToken cancellationToken);
    Task<bool> RevokeAsync(string tenantId, string tokenId, CancellationToken cancellationToken);
}

public interface ISettingsStore
{
    /// <summary>Returns the stored value, or stores and returns <paramref name="create"/>'s value when absent (first writer wins).</summary>
    Task<string> GetOrAddAsync(string key, Func<string> create, CancellationToken cancellationToken);
}
