using System.Collections.Concurrent;
using Baton.Core.Autoscaling.Anomalies;
using Baton.Server.Security;

namespace Baton.Server.Autoscaling;

/// <summary>
/// Counts this replica's REST requests per API key and per client address, and 401s per address, in one-minute
/// windows (the current and the previous minute). Bounded: at most <see cref="MaxSubjects"/> subjects per minute,
/// the rest pooled as <c>other</c>, so a flood of forged addresses cannot grow it without limit.
/// </summary>
public sealed class RequestActivityCounter(TimeProvider time) : IRequestActivitySource
{
    public const int MaxSubjects = 10_000;

    private readonly Lock _gate = new();
    private long _minute = -1;
    private ConcurrentDictionary<string, Counts> _current = new(StringComparer.Ordinal);
    private ConcurrentDictionary<string, Counts> _previous = new(StringComparer.Ordinal);
    private long _total;
    private long _previousTotal;

    public void Record(string? keyId, string? address, bool authenticationFailed)
    {
        var counts = Window(time.GetUtcNow());
        Interlocked.Increment(ref _total);
        if (keyId is not null) Bump(counts, "key:" + keyId, authenticationFailed);
        if (address is not null) Bump(counts, "address:" + address, authenticationFailed);
    }

    private static void Bump(ConcurrentDictionary<string, Counts> counts, string subject, bool failed)
    {
        if (counts.Count >= MaxSubjects && !counts.ContainsKey(subject)) subject = "other";
        var entry = counts.GetOrAdd(subject, _ => new Counts());
        Interlocked.Increment(ref entry.Requests);
        if (failed) Interlocked.Increment(ref entry.AuthFailures);
    }

    private ConcurrentDictionary<string, Counts> Window(DateTimeOffset now)
    {
        var minute = now.ToUnixTimeSeconds() / 60;
        if (minute == Volatile.Read(ref _minute)) return _current;
        lock (_gate)
        {
            if (minute != _minute)
            {
                // A gap of more than a minute leaves nothing to report as the previous minute.
                _previous = minute == _minute + 1 ? _current : new(StringComparer.Ordinal);
                _previousTotal = minute == _minute + 1 ? Interlocked.Exchange(ref _total, 0) : 0;
                if (minute != _minute + 1) Interlocked.Exchange(ref _total, 0);
                _current = new(StringComparer.Ordinal);
                Volatile.Write(ref _minute, minute);
            }
            return _current;
        }
    }

    /// <summary>The last complete minute (the current one is still filling).</summary>
    public IReadOnlyList<RequestActivity> LastMinute(DateTimeOffset now)
    {
        Window(now);
        return [.. _previous.Select(p => new RequestActivity(p.Key, p.Value.Requests, p.Value.AuthFailures))];
    }

    public double RequestsPerSecond(DateTimeOffset now)
    {
        Window(now);
        return Volatile.Read(ref _previousTotal) / 60.0;
    }

    private sealed class Counts
    {
        public long Requests;
        public long AuthFailures;
    }
}

/// <summary>Feeds <see cref="RequestActivityCounter"/> from every REST request (the agent protocol is not an attack surface it scores).</summary>
public sealed class RequestActivityMiddleware(RequestDelegate next, RequestActivityCounter counter)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        if (!context.Request.Path.StartsWithSegments("/api/v1")) return;
        var caller = Caller.FromPrincipal(context.User);
        counter.Record(caller?.KeyId, context.Connection.RemoteIpAddress?.ToString(), context.Response.StatusCode == StatusCodes.Status401Unauthorized);
    }
}
