namespace Baton.Core.Throttling;

/// <summary>
/// How many writes may be in flight at once, found from what more of them buys in completions per second:
/// the limit grows while letting more writes in raises the delivery rate, and shrinks once it only raises
/// latency. A write past the limit is refused at once, so a saturated server keeps its peak rate.
/// </summary>
/// <remarks>
/// <para>Why not a gradient on latency (Netflix's concurrency-limits, what Baton used before): with group commit
/// a write gets slower as the burst grows even while more writes complete per second — a batch of fifty costs
/// little more than a batch of five — and an fsync that takes twice as long now and then makes every write in
/// its batch look queued. In simulation (WriteLimitSimulationTests) the gradient either shrinks on that noise and
/// loses a sixth of the rate, or never shrinks and lets 500 writes queue. A plain bandwidth-delay product (BBR's
/// rate × least latency × gain) settles where latency is gain × the least latency, which on a group-committing
/// store can be well short of its best rate.</para>
/// <para>So the limit asks the server directly, as a hill climb on throughput: it alternates two probes around a
/// base, <see cref="ProbeGain"/> above and below it, each as long as the smoothed latency (at least
/// <see cref="MinProbeLength"/> and <see cref="MinProbeSamples"/> completions), and measures the delivery rate in
/// the second half of each, from one completion to another (completions come in batches). The elasticity — the
/// rate's relative change over the limit's — says what the extra slots bought: past the knee of a queueing server
/// it is near 0, below it near 1. The base grows when it is at least <see cref="MinElasticity"/> plus
/// <see cref="LatencyPrice"/> × ln(smoothed ÷ least latency), or when the lower probe never filled (demand is below
/// the limit, nothing to learn), or after a pause in the writes longer than a probe; otherwise it shrinks. A move
/// goes at least to the probe that won, and steps grow by 10 % with each move in the same direction (to at most a
/// factor of two), so a limit far from the knee gets there in a few probes. The base never goes below the
/// bandwidth-delay product (the best recent rate × the least latency seen): fewer writes than that cannot keep the
/// server busy, whatever noise says.</para>
/// <para>Thread-safe. Slots are taken with <see cref="TryAcquire"/> and given back with <see cref="Release"/>; feed
/// every completed write to <see cref="OnSample"/>. Time comes from the injected <see cref="TimeProvider"/>.</para>
/// </remarks>
public sealed class ThroughputConcurrencyLimit
{
    /// <summary>The probes run at base × (1 + this) and base × (1 − this), at least one write apart.</summary>
    public const double ProbeGain = 0.2;

    /// <summary>The least elasticity of the delivery rate to the limit for which more writes in flight are worth it.</summary>
    public const double MinElasticity = 0.1;

    /// <summary>
    /// What latency costs: the elasticity a step up must show rises by this much per e-fold of the smoothed latency
    /// over the least, so a limit whose extra writes only queue does not drift up on noise.
    /// </summary>
    public const double LatencyPrice = 0.1;

    /// <summary>Completions a probe's measurement needs before it counts.</summary>
    public const int MinProbeSamples = 20;

    /// <summary>The shortest probe.</summary>
    public static readonly TimeSpan MinProbeLength = TimeSpan.FromMilliseconds(200);

    private const double StepIncrement = 0.1;
    private const double MaxStep = 2.0;
    private const double LatencySmoothing = 0.1;
    private const double PeakRateDecay = 0.98;

    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private double _base;
    private int _current;
    private int _inFlight;
    private int _streak;

    private bool _probingDown;
    private bool _probing;
    private long _probeStart;
    private TimeSpan _probeLength;
    private long _lastSample;
    private bool _measuring;
    private long _measureStart;
    private int _measured;
    private bool _filled;
    private double _upperRate;
    private int _upperLimit;

    private double _smoothedMs;
    private double _minMs = double.PositiveInfinity;
    private double _peakRate;
    private double _lastRate;
    private double _elasticity = double.NaN;

    public ThroughputConcurrencyLimit(int min, int max, int initial, TimeProvider time)
    {
        if (min < 1) throw new ArgumentOutOfRangeException(nameof(min), min, "The smallest limit must be at least 1.");
        if (max < min) throw new ArgumentOutOfRangeException(nameof(max), max, "The largest limit must not be below the smallest.");
        ArgumentNullException.ThrowIfNull(time);
        Min = min;
        Max = max;
        _time = time;
        _base = Math.Clamp(initial, min, max);
        _current = ProbeLimit();
    }

    public int Min { get; }
    public int Max { get; }

    /// <summary>The limit now (whole writes): the base, with the probe running.</summary>
    public int Current => Volatile.Read(ref _current);

    /// <summary>Writes holding a slot now (those admitted by <see cref="TryAcquire"/> and not yet released).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Writes completed per second in the last finished probe (0 before one).</summary>
    public double DeliveryRatePerSecond
    {
        get { lock (_gate) return _lastRate; }
    }

    /// <summary>The least latency seen, in milliseconds (0 before any sample).</summary>
    public double MinLatencyMs
    {
        get { lock (_gate) return double.IsPositiveInfinity(_minMs) ? 0 : _minMs; }
    }

    /// <summary>The smoothed latency, in milliseconds (0 before any sample).</summary>
    public double SmoothedLatencyMs
    {
        get { lock (_gate) return _smoothedMs; }
    }

    /// <summary>What the last pair of probes measured: the rate's relative change over the limit's (NaN before one).</summary>
    public double Elasticity
    {
        get { lock (_gate) return _elasticity; }
    }

    /// <summary>Takes a slot if one is free under the limit; <paramref name="inFlight"/> counts this write.</summary>
    public bool TryAcquire(out int inFlight)
    {
        inFlight = Interlocked.Increment(ref _inFlight);
        if (inFlight <= Current) return true;
        Interlocked.Decrement(ref _inFlight);
        return false;
    }

    /// <summary>Gives back a slot taken by <see cref="TryAcquire"/>.</summary>
    public void Release() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Takes one completed write: its latency and how many were in flight when it was admitted.</summary>
    public void OnSample(TimeSpan latency, int inFlight)
    {
        var rtt = Math.Max(latency.TotalMilliseconds, 0.001);
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            _smoothedMs = _smoothedMs == 0 ? rtt : _smoothedMs * (1 - LatencySmoothing) + rtt * LatencySmoothing;
            _minMs = Math.Min(_minMs, rtt);
            if (!_probing) StartProbe(now);
            else if (_time.GetElapsedTime(_lastSample, now) > _probeLength)
            {
                // A pause in the writes: demand is below the limit, and the probe measured nothing of today's load.
                Grow();
                StartProbe(now);
            }
            _lastSample = now;

            var elapsed = _time.GetElapsedTime(_probeStart, now);
            if (elapsed < _probeLength / 2) return;
            if (inFlight >= _current) _filled = true;
            if (!_measuring)
            {
                // Count from this completion on, so the window runs from one completion to another.
                (_measuring, _measureStart, _measured) = (true, now, 0);
                return;
            }
            _measured++;
            if (elapsed < _probeLength || _measured < MinProbeSamples || now == _measureStart) return;

            var rate = _measured / _time.GetElapsedTime(_measureStart, now).TotalSeconds;
            _lastRate = rate;
            _peakRate = Math.Max(_peakRate * PeakRateDecay, rate);
            if (!_probingDown)
            {
                (_upperRate, _upperLimit) = (rate, _current);
                _probingDown = true;
            }
            else
            {
                Adjust(rate);
                _probingDown = false;
            }
            StartProbe(now);
        }
    }

    private void Adjust(double lowerRate)
    {
        var spread = Math.Log((double)_upperLimit / _current);
        _elasticity = spread > 0 && _upperRate > 0 && lowerRate > 0 ? Math.Log(_upperRate / lowerRate) / spread : 1;
        var inflation = Math.Log(Math.Max(1, _smoothedMs / _minMs));
        if (!_filled || _elasticity >= MinElasticity + LatencyPrice * inflation)
        {
            Grow();
            _base = Math.Min(Max, Math.Max(_base, _upperLimit));
        }
        else
        {
            _streak = _streak < 0 ? _streak - 1 : -1;
            var bandwidthDelay = _peakRate * _minMs / 1000;
            _base = Math.Max(Min, Math.Max(Math.Min(_base / Step(-_streak), _current), Math.Min(bandwidthDelay, Max)));
        }
    }

    private void Grow()
    {
        _streak = _streak > 0 ? _streak + 1 : 1;
        _base = Math.Min(Max, _base * Step(_streak));
    }

    private static double Step(int moves) => Math.Min(MaxStep, 1 + StepIncrement * moves);

    private void StartProbe(long now)
    {
        _probing = true;
        _probeStart = now;
        _probeLength = TimeSpan.FromMilliseconds(Math.Max(MinProbeLength.TotalMilliseconds, _smoothedMs));
        (_measuring, _measured, _filled) = (false, 0, false);
        Volatile.Write(ref _current, ProbeLimit());
    }

    private int ProbeLimit()
    {
        var limit = _probingDown ? Math.Min(_base * (1 - ProbeGain), _base - 1) : Math.Max(_base * (1 + ProbeGain), _base + 1);
        return (int)Math.Clamp(Math.Round(limit), Min, Max);
    }
}
