namespace Baton.Server.Security.RateLimiting;

/// <summary>
/// Per-key and per-address limits (<c>Baton:Server:RateLimits:…</c>), each a token bucket of <c>N</c> per window that
/// refills smoothly: a burst of N is allowed, then N per window. Per replica: behind a load balancer of R replicas a
/// source may get up to R times as much. Addresses are the TCP peer's: behind a reverse proxy every caller shares the
/// proxy's address, so raise the per-address limits there (or set them to 0 = off).
/// </summary>
public sealed class RateLimitOptions
{
    /// <summary>False turns every limit below off.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Failed authentications (401 to a presented API key, token, agent credential or enrollment token) per address.</summary>
    public int AuthFailuresPerAddress { get; set; } = 20;

    /// <summary>Failed authentications presenting the same API key (an unknown or revoked key) per key.</summary>
    public int AuthFailuresPerKey { get; set; } = 10;

    public TimeSpan AuthFailureWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>REST writes (POST, PUT, PATCH, DELETE under /api/v1) per API key; 0 = no limit.</summary>
    public int WritesPerKey { get; set; } = 3_000;

    /// <summary>REST writes per source address, authenticated or not; 0 = no limit.</summary>
    public int WritesPerAddress { get; set; } = 6_000;

    public TimeSpan WriteWindow { get; set; } = TimeSpan.FromMinutes(1);

    public string? Check()
    {
        if (AuthFailuresPerAddress < 0 || AuthFailuresPerKey < 0 || WritesPerKey < 0 || WritesPerAddress < 0) return "limits must be 0 (off) or more";
        if (AuthFailureWindow < TimeSpan.FromSeconds(1) || WriteWindow < TimeSpan.FromSeconds(1)) return "windows must be at least 1 second";
        if (AuthFailureWindow > TimeSpan.FromDays(1) || WriteWindow > TimeSpan.FromDays(1)) return "windows must be at most 1 day";
        return null;
    }
}
