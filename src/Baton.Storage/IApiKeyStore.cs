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
