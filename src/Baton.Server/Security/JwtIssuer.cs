using System.Security.Claims;
using System.Security.Cryptography;
using Baton.Server.Hosting;
using Baton.Storage;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Baton.Server.Security;

/// <summary>
/// Issues and validates the short-lived JWTs an API key can be exchanged for. The signing key is
/// generated once and kept in the store, so every replica signs and validates with the same key.
/// </summary>
public sealed class JwtIssuer(IBatonStore store, IOptions<ServerOptions> options, TimeProvider time)
{
    private const string Issuer = "baton";
    public const string Audience = "baton-api";
    /// <summary>Dashboard sessions carry their own audience, so a session cookie is never taken as a bearer token.</summary>
    public const string SessionAudience = "baton-dashboard";
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private SymmetricSecurityKey? _key;

    public async Task<SymmetricSecurityKey> GetKeyAsync(CancellationToken cancellationToken)
    {
        if (_key is not null) return _key;
        var secret = await store.Settings.GetOrAddAsync(
            "jwt-signing-key", () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)), cancellationToken);
        _key = new SymmetricSecurityKey(Convert.FromBase64String(secret));
        return _key;
    }

    public Task<(string Token, TimeSpan Lifetime)> IssueAsync(Caller caller, CancellationToken cancellationToken) =>
        IssueAsync(caller, options.Value.AccessTokenLifetime, Audience, cancellationToken);

    public async Task<(string Token, TimeSpan Lifetime)> IssueAsync(Caller caller, TimeSpan lifetime, string audience, CancellationToken cancellationToken)
    {
        var key = await GetKeyAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Subject = new ClaimsIdentity(caller.ToClaims()),
            // Each token's own id: a dashboard session is revoked by it at sign-out (DashboardSessions).
            Claims = new Dictionary<string, object> { [JwtRegisteredClaimNames.Jti] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) },
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
        return (token, lifetime);
    }

    public Task<Caller?> ValidateAsync(string token, CancellationToken cancellationToken) => ValidateAsync(token, Audience, cancellationToken);

    public async Task<Caller?> ValidateAsync(string token, string audience, CancellationToken cancellationToken)
    {
        var key = await GetKeyAsync(cancellationToken);
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = audience,
            IssuerSigningKey = key,
            ValidateLifetime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                return (notBefore is null || notBefore <= now.AddSeconds(30)) && expires is not null && expires > now;
            },
        });
        return result.IsValid ? Caller.FromPrincipal(new ClaimsPrincipal(result.ClaimsIdentity)) : null;
    }
}
