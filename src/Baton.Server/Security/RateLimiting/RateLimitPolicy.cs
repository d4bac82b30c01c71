using System.Globalization;
using System.Threading.RateLimiting;

namespace Baton.Server.Security.RateLimiting;

/// <summary>
/// One named quota (<c>q</c> per <c>w</c> seconds) enforced per partition (a key id or an address) with token buckets
/// from System.Threading.RateLimiting, and its IETF RateLimit header fields
/// (draft-ietf-httpapi-ratelimit-headers: <c>RateLimit-Policy: "name";q=…;w=…</c>, <c>RateLimit: "name";r=…;t=…</c>).
/// </summary>
public sealed class RateLimitPolicy : IDisposable
{
    /// <summary>The partitioned limiter replenishes every 100 ms; a finer period would not refill any faster.</summary>
    private static readonly TimeSpan MinPeriod = TimeSpan.FromMilliseconds(100);

    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly double _secondsPerToken;

    public RateLimitPolicy(string name, int quota, TimeSpan window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quota, 1);
        Name = name;
        Quota = quota;
        Window = window;
        _secondsPerToken = window.TotalSeconds / quota;
        // Refill smoothly: tokens trickle in every period (at least 100 ms) at quota per window, up to a burst of quota.
        var period = TimeSpan.FromTicks(Math.Max(MinPeriod.Ticks, window.Ticks / quota));
        var tokensPerPeriod = Math.Max(1, (int)Math.Round(quota * period.TotalSeconds / window.TotalSeconds));
        _limiter = PartitionedRateLimiter.Create<string, string>(partition => RateLimitPartition.GetTokenBucketLimiter(partition, _ =>
            new TokenBucketRateLimiterOptions
            {
                TokenLimit = quota,
                TokensPerPeriod = tokensPerPeriod,
                ReplenishmentPeriod = period,
                QueueLimit = 0,
                AutoReplenishment = false,
            }));
    }

    public string Name { get; }
    public int Quota { get; }
    public TimeSpan Window { get; }

    /// <summary>The <c>RateLimit-Policy</c> member for this quota.</summary>
    public string PolicyField => string.Create(CultureInfo.InvariantCulture, $"\"{Name}\";q={Quota};w={(long)Math.Ceiling(Window.TotalSeconds)}");

    /// <summary>Takes one token of <paramref name="partition"/>; false when none is left.</summary>
    public bool TryAcquire(string partition)
    {
        using var lease = _limiter.AttemptAcquire(partition);
        return lease.IsAcquired;
    }

    /// <summary>Whether <paramref name="partition"/> has no token left (without taking one).</summary>
    public bool IsExhausted(string partition) => Remaining(partition) < 1;

    public long Remaining(string partition) => _limiter.GetStatistics(partition)?.CurrentAvailablePermits ?? Quota;

    /// <summary>Whole seconds until one token is back (for Retry-After), at least 1.</summary>
    public int SecondsUntilNextToken => Math.Max(1, (int)Math.Ceiling(_secondsPerToken));

    /// <summary>The <c>RateLimit</c> member for <paramref name="partition"/>: tokens left and seconds until the bucket is full again.</summary>
    public string StatusField(string partition)
    {
        var remaining = Math.Max(0, Remaining(partition));
        var reset = remaining == 0 ? SecondsUntilNextToken : (long)Math.Ceiling((Quota - remaining) * _secondsPerToken);
        return string.Create(CultureInfo.InvariantCulture, $"\"{Name}\";r={remaining};t={reset}");
    }

    public void Dispose() => _limiter.Dispose();
}
