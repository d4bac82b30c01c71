namespace Baton.Core.Throttling;

/// <summary>
/// How many requests may be in flight at once, adapted to what the system sustains (the
/// gradient approach of Netflix's concurrency-limits): while latency stays near its long-run
/// average the limit grows toward <see cref="Max"/>; when latency climbs — the database or the
/// CPU is saturated and requests only queue — the limit shrinks in proportion, down to
/// <see cref="Min"/>, so excess work is refused at once instead of making everyone slow.
/// </summary>
/// <remarks>
/// The gradient alone starves a group-committing store: a write gets slower as more of them share a commit,
/// even while more of them complete each second, so a burst cut the limit to a few writes in flight and the
/// server refused work it could do. The limit therefore never falls below what completes within
/// <see cref="TargetLatency"/> (Little's law on the completion rate of the last second, Vegas-style): while
/// admitting more writes buys more completions the limit follows them up, and once the rate stops growing
/// (the CPU or the disk is the bound) it stays there, so a write waits about <see cref="TargetLatency"/> at
/// most and the excess is refused. Submissions are also held to the completion rate of jobs by the server's
/// intake budget, which binds on its own: this limit is not what keeps intake from outrunning completions.
/// Thread-safe. Feed it every completed request with <see cref="OnSample"/>.
/// </remarks>
public sealed class AdaptiveConcurrencyLimit
{
    /// <summary>Latency up to this multiple of the long-run average is not taken as saturation.</summary>
    public const double Tolerance = 1.5;

    /// <summary>The wait a write may have in flight: the limit admits at least what completes in this time.</summary>
    public static readonly TimeSpan TargetLatency = TimeSpan.FromMilliseconds(250);

    private const double Smoothing = 0.2;
    private const int LongWindow = 600;
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private double _limit;
    private double _longRttMs;
    private long _samples;
    private long _windowStarted;
    private int _windowCount;
    private double _completionsPerSecond;

    public AdaptiveConcurrencyLimit(int min, int max, int initial, TimeProvider? time = null)
    {
        if (min < 1) throw new ArgumentOutOfRangeException(nameof(min), min, "The smallest limit must be at least 1.");
        if (max < min) throw new ArgumentOutOfRangeException(nameof(max), max, "The largest limit must not be below the smallest.");
        Min = min;
        Max = max;
        _limit = Math.Clamp(initial, min, max);
        _time = time ?? TimeProvider.System;
        _windowStarted = _time.GetTimestamp();
    }

    public int Min { get; }
    public int Max { get; }

    /// <summary>The current limit (whole requests): the gradient's, or what completes within <see cref="TargetLatency"/> if more.</summary>
    public int Current
    {
        get
        {
            lock (_gate)
            {
                var completing = RollWindow() * TargetLatency.TotalSeconds;
                return (int)Math.Clamp(Math.Max(_limit, completing), Min, Max);
            }
        }
    }

    /// <summary>Requests completed per second over the last whole window.</summary>
    public double CompletionsPerSecond
    {
        get { lock (_gate) return RollWindow(); }
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
            RollWindow();
            _windowCount++;
            _samples++;
            var window = Math.Min(_samples, LongWindow);
            _longRttMs = _samples == 1 ? rtt : _longRttMs + (rtt - _longRttMs) / window;
            // After a burst of slow requests, let the average come back down quickly with the latency.
            if (_longRttMs / rtt > 2) _longRttMs *= 0.95;

            // Lightly loaded: latency says nothing about the limit.
            if (inFlight < _limit / 2) return;

            var gradient = Math.Clamp(Tolerance * _longRttMs / rtt, 0.5, 1.0);
            var headroom = Math.Sqrt(_limit);
            var target = _limit * gradient + headroom;
            _limit = Math.Clamp(_limit * (1 - Smoothing) + target * Smoothing, Min, Max);
        }
    }

    /// <summary>Closes the completion window once it is a second old; returns the rate of the last closed one.</summary>
    private double RollWindow()
    {
        var now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_windowStarted, now);
        if (elapsed < RateWindow) return _completionsPerSecond;
        // A window that ran long (no request for a while) counts its completions over its whole length.
        _completionsPerSecond = _windowCount / elapsed.TotalSeconds;
        _windowCount = 0;
        _windowStarted = now;
        return _completionsPerSecond;
    }
}
