namespace Baton.Core.Throttling;

/// <summary>
/// How many requests may be in flight at once, adapted to what the system sustains (the
/// gradient approach of Netflix's concurrency-limits): while latency stays near its long-run
/// average the limit grows toward <see cref="Max"/>; when latency climbs — the database or the
/// CPU is saturated and requests only queue — the limit shrinks in proportion, down to
/// <see cref="Min"/>, so excess work is refused at once instead of making everyone slow.
/// </summary>
/// <remarks>Thread-safe. Feed it every completed request with <see cref="OnSample"/>.</remarks>
public sealed class AdaptiveConcurrencyLimit
{
    /// <summary>Latency up to this multiple of the long-run average is not taken as saturation.</summary>
    public const double Tolerance = 1.5;

    /// <summary>
    /// Latency up to this is never taken as saturation, whatever the average: a server that answers writes in a few
    /// milliseconds jitters by several times that (a write that waits for a group commit, a garbage collection), and
    /// a limit that shrank on that jitter refused the work of a fast server (the bench: a limit of 10-30 writes in
    /// flight at a long-run latency of 3-5 ms, half the jobs refused, throughput halved). Queueing that is worth refusing
    /// work for takes far longer.
    /// </summary>
    public const double NoticeableLatencyMs = 50;

    private const double Smoothing = 0.2;
    private const int LongWindow = 600;

    private readonly Lock _gate = new();
    private double _limit;
    private double _longRttMs;
    private long _samples;

    public AdaptiveConcurrencyLimit(int min, int max, int initial)
    {
        if (min < 1) throw new ArgumentOutOfRangeException(nameof(min), min, "The smallest limit must be at least 1.");
        if (max < min) throw new ArgumentOutOfRangeException(nameof(max), max, "The largest limit must not be below the smallest.");
        Min = min;
        Max = max;
        _limit = Math.Clamp(initial, min, max);
    }

    public int Min { get; }
    public int Max { get; }

    /// <summary>The current limit (whole requests).</summary>
    public int Current
    {
        get { lock (_gate) return (int)_limit; }
    }

    /// <summary>The long-run average latency the limit compares against, in milliseconds (0 before any sample).</summary>
    public double LongRunLatencyMs
    {
        get { lock (_gate) return _longRttMs; }
    }

    /// <summary>Takes one completed request: its latency and how many were in flight when it started.</summary>
    public void OnSample(TimeSpan latency, int inFlight)
    {
        var rtt = Math.Max(latency.TotalMilliseconds, 0.001);
        lock (_gate)
        {
            _samples++;
            var window = Math.Min(_samples, LongWindow);
            _longRttMs = _samples == 1 ? rtt : _longRttMs + (rtt - _longRttMs) / window;
            // After a burst of slow requests, let the average come back down quickly with the latency.
            if (_longRttMs / rtt > 2) _longRttMs *= 0.95;

            // Lightly loaded: latency says nothing about the limit.
            if (inFlight < _limit / 2) return;

            var gradient = Math.Clamp(Math.Max(Tolerance * _longRttMs, NoticeableLatencyMs) / rtt, 0.5, 1.0);
            var headroom = Math.Sqrt(_limit);
            var target = _limit * gradient + headroom;
            _limit = Math.Clamp(_limit * (1 - Smoothing) + target * Smoothing, Min, Max);
        }
    }
}
