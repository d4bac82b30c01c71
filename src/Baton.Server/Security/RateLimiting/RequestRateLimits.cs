using Baton.Core.Throttling;
using Baton.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Baton.Server.Security.RateLimiting;

/// <summary>The four limits of <see cref="RateLimitOptions"/> (null where off) and the per-source counts they feed.</summary>
public sealed class RequestRateLimits : IDisposable
{
    public RequestRateLimits(IOptions<ServerOptions> options, RequestSourceTracker sources)
    {
        var settings = options.Value.RateLimits;
        Sources = sources;
        if (!settings.Enabled) return;
        AuthFailuresPerAddress = Policy("auth-failures-per-address", settings.AuthFailuresPerAddress, settings.AuthFailureWindow);
        AuthFailuresPerKey = Policy("auth-failures-per-key", settings.AuthFailuresPerKey, settings.AuthFailureWindow);
        WritesPerKey = Policy("writes-per-key", settings.WritesPerKey, settings.WriteWindow);
        WritesPerAddress = Policy("writes-per-address", settings.WritesPerAddress, settings.WriteWindow);
    }

    public RequestSourceTracker Sources { get; }
    public RateLimitPolicy? AuthFailuresPerAddress { get; }
    public RateLimitPolicy? AuthFailuresPerKey { get; }
    public RateLimitPolicy? WritesPerKey { get; }
    public RateLimitPolicy? WritesPerAddress { get; }

    private static RateLimitPolicy? Policy(string name, int quota, TimeSpan window) => quota > 0 ? new RateLimitPolicy(name, quota, window) : null;

    public void Dispose()
    {
        AuthFailuresPerAddress?.Dispose();
        AuthFailuresPerKey?.Dispose();
        WritesPerKey?.Dispose();
        WritesPerAddress?.Dispose();
    }
}

/// <summary>Request helpers shared by the two rate-limit middlewares.</summary>
internal static class RateLimitedRequest
{
    public static string Address(HttpContext context) => Audit.AuditRecorder.SourceAddress(context) ?? "unknown";

    /// <summary>The id of a presented API key (not of a JWT, whose claims are not trusted before validation).</summary>
    public static string? PresentedKeyId(HttpContext context) =>
        BearerToken.From(context.Request) is { } token && !BearerToken.LooksLikeJwt(token) && !context.Request.Path.StartsWithSegments("/api/agent")
            ? SecretTokens.IdFor(token)
            : null;

    /// <summary>
    /// Whether the request carries a credential to check: a bearer token, a session cookie, or a body the anonymous
    /// credential routes read. Only signing in (a POST) sends a key to <c>/auth/session</c>: the dashboard asking whether it
    /// is signed in (a GET with no cookie, answered 401) presents nothing, or every visit would spend the address's budget.
    /// </summary>
    public static bool PresentsCredential(HttpContext context) =>
        context.Request.Headers.Authorization.Count > 0
        || context.Request.Path.Equals("/api/v1/auth/token", StringComparison.OrdinalIgnoreCase)
        || (HttpMethods.IsPost(context.Request.Method) && context.Request.Path.Equals("/api/v1/auth/session", StringComparison.OrdinalIgnoreCase))
        || context.Request.Cookies.ContainsKey(Dashboard.DashboardSessions.CookieName)
        || context.Request.Path.Equals("/api/agent/v1/register", StringComparison.OrdinalIgnoreCase);

    public static async Task RefuseAsync(HttpContext context, RateLimitPolicy policy, string partition, string detail)
    {
        var retryAfter = policy.SecondsUntilNextToken;
        context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.Headers["RateLimit-Policy"] = policy.PolicyField;
        context.Response.Headers["RateLimit"] = policy.StatusField(partition);
        await Api.Problems.Make(StatusCodes.Status429TooManyRequests, Core.Api.ProblemTypes.RateLimited, "Too many requests",
            $"{detail}; nothing was changed, retry in {retryAfter} s.").ExecuteAsync(context);
    }

    public static RequestSourceKind KindOf(bool key) => key ? RequestSourceKind.ApiKey : RequestSourceKind.Address;
}
