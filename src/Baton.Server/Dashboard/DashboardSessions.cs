using System.Security.Cryptography;
using System.Text;
using Baton.Server.Security;
using Baton.Storage;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Baton.Server.Dashboard;

/// <summary>
/// The dashboard's sign-in: an API key is exchanged for a session cookie holding a JWT of the session audience
/// (signed with the key every replica shares, so any replica honours it, and only while the API key does). Writes
/// made with the cookie must carry the session's CSRF token, an HMAC of the cookie under the same key: a page on
/// another origin can neither read it nor compute it. Signing out revokes the session by its token id in the store;
/// every replica reads that back within <see cref="RevocationRecheck"/>.
/// </summary>
public sealed class DashboardSessions(JwtIssuer jwt, IBatonStore store, TimeProvider time)
{
    /// <summary>How long a replica trusts that a session it checked was not revoked (the one on which it was revoked knows at once).</summary>
    public static readonly TimeSpan RevocationRecheck = TimeSpan.FromSeconds(2);

    // One store read per session in flight: a dashboard's parallel calls after a recheck share it.
    private readonly SingleFlightCache<bool> _revocations = new(
        RevocationRecheck, time, 100_000, sessionId => store.ApiKeys.IsSessionRevokedAsync(sessionId, CancellationToken.None));

    public const string CookieName = "baton_session";
    public const string CsrfHeader = "X-CSRF-Token";
    /// <summary>Marks a principal authenticated by the session cookie (not by a bearer token).</summary>
    public const string SessionClaim = "baton:session";

    public static string? CookieFrom(HttpRequest request) =>
        request.Cookies.TryGetValue(CookieName, out var value) && value.Length is > 0 and <= 4096 ? value : null;

    public async Task<(string Token, DateTimeOffset ExpiresAt)> StartAsync(Caller caller, TimeSpan lifetime, DateTimeOffset now, CancellationToken ct)
    {
        var (token, _) = await jwt.IssueAsync(caller, lifetime, JwtIssuer.SessionAudience, ct);
        return (token, now + lifetime);
    }

    public async Task<string> CsrfTokenForAsync(string sessionToken, CancellationToken ct)
    {
        var key = await jwt.GetKeyAsync(ct);
        var mac = HMACSHA256.HashData(key.Key, Encoding.UTF8.GetBytes("csrf\n" + sessionToken));
        return WebEncoders.Base64UrlEncode(mac);
    }

    public async Task<bool> CsrfMatchesAsync(string sessionToken, string? presented, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(presented) || presented.Length > 100) return false;
        var expected = await CsrfTokenForAsync(sessionToken, ct);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(presented));
    }

    /// <summary>The session's id (its token's <c>jti</c>), or null for a token without one.</summary>
    public static string? SessionIdOf(string token)
    {
        var id = new JsonWebToken(token).Id;
        return string.IsNullOrEmpty(id) ? null : id;
    }

    /// <summary>Whether the session was signed out; read from the store at most every <see cref="RevocationRecheck"/> per session.</summary>
    public Task<bool> IsRevokedAsync(string sessionId, CancellationToken ct) => _revocations.GetAsync(sessionId, ct);

    /// <summary>Signs a (validated) session token out: refused from now on by this replica, and by the others once they recheck.</summary>
    public async Task RevokeAsync(string tenantId, string sessionToken, CancellationToken ct)
    {
        if (SessionIdOf(sessionToken) is not { } sessionId) return;
        var expiresAt = new DateTimeOffset(new JsonWebToken(sessionToken).ValidTo, TimeSpan.Zero);
        await store.ApiKeys.RevokeSessionAsync(tenantId, sessionId, expiresAt, time.GetUtcNow(), ct);
        // The next check reads the revocation back; a check in flight keeps nothing it read before it.
        _revocations.Invalidate(sessionId);
    }

    public static void WriteCookie(HttpContext context, string token, DateTimeOffset expiresAt) =>
        context.Response.Cookies.Append(CookieName, token, Options(context, expiresAt));

    public static void ClearCookie(HttpContext context) =>
        context.Response.Cookies.Delete(CookieName, Options(context, DateTimeOffset.UnixEpoch));

    private static CookieOptions Options(HttpContext context, DateTimeOffset expiresAt) => new()
    {
        HttpOnly = true,
        // Behind a TLS-terminating proxy the request arrives as HTTP; the proxy's X-Forwarded-Proto still asks for Secure
        // (trusting it can only make the cookie stricter).
        Secure = context.Request.IsHttps || string.Equals(context.Request.Headers["X-Forwarded-Proto"], "https", StringComparison.OrdinalIgnoreCase),
        SameSite = SameSiteMode.Strict,
        Path = "/",
        Expires = expiresAt,
        IsEssential = true,
    };
}
