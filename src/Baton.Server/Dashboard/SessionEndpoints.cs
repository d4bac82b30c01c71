using Baton.Core.Api;
using Baton.Core.Auth;
using Baton.Server.Api;
using Baton.Server.Hosting;
using Baton.Server.Security;
using Baton.Server.Tenancy;
using Microsoft.Extensions.Options;

namespace Baton.Server.Dashboard;

public sealed record SignInRequest(string? ApiKey);

public sealed record DashboardSessionDto(string TenantId, string TenantName, string Role, bool SystemAdmin, string CsrfToken, DateTimeOffset ExpiresAt);

/// <summary>
/// <c>/api/v1/auth/session</c>: sign in with an API key (sets the session cookie), read the session (who, and the
/// CSRF token the page sends with its writes), sign out (revokes the session and clears the cookie).
/// </summary>
public static class SessionEndpoints
{
    public static void MapSessionEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapPost("/auth/session", SignInAsync).AllowAnonymous().Produces<DashboardSessionDto>();
        api.MapGet("/auth/session", GetAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<DashboardSessionDto>();
        // Anonymous, so an expired session can still be cleared; with a live session the CSRF token is required, and the
        // session is revoked on the server: the cookie, if kept or copied, is refused by every replica from then on.
        api.MapDelete("/auth/session", async (HttpContext context, DashboardSessions sessions, CancellationToken ct) =>
        {
            if (context.User.HasClaim(DashboardSessions.SessionClaim, "true") && DashboardSessions.CookieFrom(context.Request) is { } token)
            {
                await sessions.RevokeAsync(context.GetCaller().TenantId, token, ct);
            }
            DashboardSessions.ClearCookie(context);
            return Results.NoContent();
        }).AllowAnonymous().ProducesNoContent();
    }

    private static async Task<IResult> SignInAsync(
        SignInRequest request, HttpContext context, CredentialCache credentials, DashboardSessions sessions, TenantDirectory tenants,
        IOptions<ServerOptions> options, TimeProvider time, CancellationToken ct)
    {
        // Login CSRF: a page elsewhere must not sign this browser in with the attacker's key. A JSON body already needs
        // a CORS preflight from another origin; a browser's Origin, when sent, must be this server.
        if (!FromOwnOrigin(context.Request))
        {
            return Problems.Forbidden("Sign-in is accepted only from the dashboard's own origin.");
        }
        if (string.IsNullOrWhiteSpace(request.ApiKey) || request.ApiKey.Length > 4096) return Problems.Validation("apiKey is required.", "apiKey");
        var key = await credentials.FindApiKeyAsync(SecretTokens.IdFor(request.ApiKey), ct);
        if (key is null || !SecretTokens.Matches(request.ApiKey, key.SecretHash) || key.RevokedAt is not null)
        {
            return Problems.Make(StatusCodes.Status401Unauthorized, ProblemTypes.Unauthorized, "Unauthorized", "The API key is unknown or revoked.");
        }
        var caller = new Caller(key.TenantId, key.Role, key.IsSystemAdmin, key.Id);
        var (token, expiresAt) = await sessions.StartAsync(caller, options.Value.DashboardSessionLifetime, time.GetUtcNow(), ct);
        DashboardSessions.WriteCookie(context, token, expiresAt);
        var tenant = await tenants.GetAsync(caller.TenantId, ct);
        return Results.Ok(new DashboardSessionDto(caller.TenantId, tenant?.Name ?? caller.TenantId, caller.Role.ToText(), caller.IsSystemAdmin,
            await sessions.CsrfTokenForAsync(token, ct), expiresAt));
    }

    /// <summary>
    /// No Origin (not a browser's cross-origin request), or one naming this server's host: the Host header, or the
    /// X-Forwarded-Host a TLS-terminating proxy sets (the scheme may differ behind such a proxy, so only the host counts).
    /// </summary>
    private static bool FromOwnOrigin(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0) return true;
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri)) return false;
        var authority = uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}";
        var forwarded = request.Headers["X-Forwarded-Host"].ToString();
        return string.Equals(authority, request.Host.Value, StringComparison.OrdinalIgnoreCase)
            || (forwarded.Length > 0 && string.Equals(authority, forwarded, StringComparison.OrdinalIgnoreCase));
    }

    private static async Task<IResult> GetAsync(HttpContext context, DashboardSessions sessions, TenantDirectory tenants, CancellationToken ct) =>
        await CurrentAsync(context, sessions, tenants, ct) is { } session ? Results.Ok(session) : Problems.NotFound("A dashboard session");

    /// <summary>The request's dashboard session (its cookie, validated by the authentication handler), or null without one.</summary>
    public static async Task<DashboardSessionDto?> CurrentAsync(HttpContext context, DashboardSessions sessions, TenantDirectory tenants, CancellationToken ct)
    {
        if (DashboardSessions.CookieFrom(context.Request) is not { } token || !context.User.HasClaim(DashboardSessions.SessionClaim, "true"))
        {
            return null;
        }
        var caller = context.GetCaller();
        // Validated by the authentication handler already: only its expiry is read here.
        var expiresAt = new DateTimeOffset(new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).ValidTo, TimeSpan.Zero);
        var tenant = await tenants.GetAsync(caller.TenantId, ct);
        return new DashboardSessionDto(caller.TenantId, tenant?.Name ?? caller.TenantId, caller.Role.ToText(), caller.IsSystemAdmin,
            await sessions.CsrfTokenForAsync(token, ct), expiresAt);
    }
}
