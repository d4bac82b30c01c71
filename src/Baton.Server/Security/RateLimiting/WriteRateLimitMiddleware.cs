using Baton.Core.Throttling;

namespace Baton.Server.Security.RateLimiting;

/// <summary>
/// Per-key and per-address limits on REST writes (POST, PUT, PATCH, DELETE under /api/v1), so a leaked key or one
/// noisy client is slowed without affecting the others: a write past either limit is answered 429 at once, nothing
/// changed, with Retry-After and the RateLimit / RateLimit-Policy fields; admitted writes carry the fields too. Reads,
/// streams and the agent protocol are not limited here.
/// </summary>
public sealed class WriteRateLimitMiddleware(RequestDelegate next, RequestRateLimits limits)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!IsWrite(context.Request))
        {
            await next(context);
            return;
        }

        var address = RateLimitedRequest.Address(context);
        var keyId = Caller.FromPrincipal(context.User)?.KeyId;
        if (keyId is not null && limits.WritesPerKey is { } perKey && !perKey.TryAcquire(keyId))
        {
            limits.Sources.Refused(RequestSourceKind.ApiKey, keyId);
            await RateLimitedRequest.RefuseAsync(context, perKey, keyId,
                $"Too many writes with API key {keyId} (at most {perKey.Quota} per {perKey.Window.TotalSeconds:0} s)");
            return;
        }
        if (limits.WritesPerAddress is { } perAddress && !perAddress.TryAcquire(address))
        {
            limits.Sources.Refused(RequestSourceKind.Address, address);
            await RateLimitedRequest.RefuseAsync(context, perAddress, address,
                $"Too many writes from {address} (at most {perAddress.Quota} per {perAddress.Window.TotalSeconds:0} s)");
            return;
        }

        limits.Sources.Wrote(RequestSourceKind.Address, address);
        if (keyId is not null) limits.Sources.Wrote(RequestSourceKind.ApiKey, keyId);
        var policies = new List<string>(2);
        var statuses = new List<string>(2);
        if (keyId is not null && limits.WritesPerKey is { } keyPolicy)
        {
            policies.Add(keyPolicy.PolicyField);
            statuses.Add(keyPolicy.StatusField(keyId));
        }
        if (limits.WritesPerAddress is { } addressPolicy)
        {
            policies.Add(addressPolicy.PolicyField);
            statuses.Add(addressPolicy.StatusField(address));
        }
        if (policies.Count > 0)
        {
            context.Response.Headers["RateLimit-Policy"] = string.Join(", ", policies);
            context.Response.Headers["RateLimit"] = string.Join(", ", statuses);
        }
        await next(context);
    }

    private static bool IsWrite(HttpRequest request) =>
        request.Path.StartsWithSegments("/api/v1") && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsOptions(request.Method);
}
