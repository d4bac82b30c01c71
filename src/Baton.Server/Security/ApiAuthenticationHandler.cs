using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Baton.Server.Security;

/// <summary>
/// Authenticates <c>Authorization: Bearer …</c> on the REST API: an API key (looked up by the
/// id derived from its hash, compared in constant time, refused when revoked) or a JWT issued
/// by <see cref="JwtIssuer"/>, which holds only while the key it was made from does (at most its role).
/// </summary>
public sealed class ApiAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    CredentialCache credentials,
    JwtIssuer jwt,
    Dashboard.DashboardSessions sessions) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = BearerToken.From(Request);
        // Without a bearer token, the dashboard's session cookie (a JWT of its own audience); its writes must also
        // carry the session's CSRF token (Dashboard.CsrfMiddleware).
        var fromSession = false;
        if (token is null && Dashboard.DashboardSessions.CookieFrom(Request) is { } session)
        {
            token = session;
            fromSession = true;
        }
        if (token is null) return AuthenticateResult.NoResult();

        Caller? caller;
        if (fromSession || BearerToken.LooksLikeJwt(token))
        {
            caller = await jwt.ValidateAsync(token, fromSession ? JwtIssuer.SessionAudience : JwtIssuer.Audience, Context.RequestAborted);
            if (caller is null && fromSession) return AuthenticateResult.Fail("The dashboard session has expired; sign in again.");
            if (caller is null) return AuthenticateResult.Fail("The access token is invalid or expired.");
            // A signed-out session stays signed out on every replica, though its cookie is still validly signed.
            if (fromSession && (Dashboard.DashboardSessions.SessionIdOf(token) is not { } sessionId
                || await sessions.IsRevokedAsync(sessionId, Context.RequestAborted)))
            {
                return AuthenticateResult.Fail("The dashboard session has been signed out; sign in again.");
            }
            // A token is only as good as its key, read through the credential cache: a revoked key ends its
            // tokens and a lowered role narrows them, within the cache's lifetime on every replica.
            var source = caller.KeyId is null ? null : await credentials.FindApiKeyAsync(caller.KeyId, Context.RequestAborted);
            if (source is null || source.RevokedAt is not null || source.TenantId != caller.TenantId)
            {
                return AuthenticateResult.Fail("The API key this access token was made from has been revoked.");
            }
            caller = caller with
            {
                Role = source.Role < caller.Role ? source.Role : caller.Role,
                IsSystemAdmin = caller.IsSystemAdmin && source.IsSystemAdmin,
            };
        }
        else
        {
            var key = await credentials.FindApiKeyAsync(SecretTokens.IdFor(token), Context.RequestAborted);
            if (key is null || !SecretTokens.Matches(token, key.SecretHash)) return AuthenticateResult.Fail("Unknown API key.");
            if (key.RevokedAt is not null) return AuthenticateResult.Fail("The API key has been revoked.");
            credentials.RecordKeyUse(key.Id);
            caller = new Caller(key.TenantId, key.Role, key.IsSystemAdmin, key.Id);
        }

        var identity = new ClaimsIdentity(caller.ToClaims(), Scheme.Name);
        if (fromSession) identity.AddClaim(new Claim(Dashboard.DashboardSessions.SessionClaim, "true"));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }
}

/// <summary>Authenticates an agent's credential on the agent protocol.</summary>
public sealed class AgentAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    CredentialCache credentials) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = BearerToken.From(Request);
        if (token is null) return AuthenticateResult.NoResult();
        var agent = await credentials.FindAgentAsync(SecretTokens.IdFor(token), Context.RequestAborted);
        if (agent is null || !SecretTokens.Matches(token, agent.CredentialHash)) return AuthenticateResult.Fail("Unknown agent credential.");

        var identity = new ClaimsIdentity(
            [new Claim(AgentCaller.AgentClaim, agent.Id), new Claim(Caller.TenantClaim, agent.TenantId)], Scheme.Name);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }
}

internal static class BearerToken
{
    public static string? From(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return null;
        var token = header["Bearer ".Length..].Trim();
        return token.Length is > 0 and <= 4096 ? token : null;
    }

    public static bool LooksLikeJwt(string token) => token.StartsWith("eyJ", StringComparison.Ordinal) && token.Count(c => c == '.') == 2;
}
