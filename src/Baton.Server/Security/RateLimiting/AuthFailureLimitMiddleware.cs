using Baton.Core.Throttling;

namespace Baton.Server.Security.RateLimiting;

/// <summary>
/// Slows credential guessing and the use of a leaked, revoked key: every request that presents a credential and is
/// answered 401 spends a token of its address (and of the presented API key). While an address or key has none left,
/// its requests that present credentials are answered 429 before any lookup, with Retry-After and RateLimit headers.
/// Runs before authentication, so a refused guess costs no database read.
/// </summary>
public sealed class AuthFailureLimitMiddleware(RequestDelegate next, RequestRateLimits limits)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/api") || !RateLimitedRequest.PresentsCredential(context))
        {
            await next(context);
            return;
        }

        var address = RateLimitedRequest.Address(context);
        var keyId = RateLimitedRequest.PresentedKeyId(context);
        if (limits.AuthFailuresPerAddress is { } perAddress && perAddress.IsExhausted(address))
        {
            limits.Sources.Refused(RequestSourceKind.Address, address);
            await RateLimitedRequest.RefuseAsync(context, perAddress, address,
                $"Too many failed authentications from {address} (at most {perAddress.Quota} per {perAddress.Window.TotalSeconds:0} s)");
            return;
        }
        if (keyId is not null && limits.AuthFailuresPerKey is { } perKey && perKey.IsExhausted(keyId))
        {
            limits.Sources.Refused(RequestSourceKind.ApiKey, keyId);
            await RateLimitedRequest.RefuseAsync(context, perKey, keyId,
                $"Too many failed authentications with API key {keyId} (at most {perKey.Quota} per {perKey.Window.TotalSeconds:0} s)");
            return;
        }

        await next(context);

        if (context.Response.StatusCode != StatusCodes.Status401Unauthorized) return;
        limits.Sources.AuthenticationFailed(RequestSourceKind.Address, address);
        limits.AuthFailuresPerAddress?.TryAcquire(address);
        if (keyId is null) return;
        limits.Sources.AuthenticationFailed(RequestSourceKind.ApiKey, keyId);
        limits.AuthFailuresPerKey?.TryAcquire(keyId);
    }
}
