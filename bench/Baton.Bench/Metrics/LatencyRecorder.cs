using System.Diagnostics;

namespace Baton.Bench.Metrics;

/// <summary>Collects latency samples from many concurrent callers; every sample is kept for exact percentiles.</summary>
public sealed class LatencyRecorder
{
    private readonly Lock _gate = new();
    private readonly List<double> _samples = [];

    public int Count
    {
        get
        {
            lock (_gate) return _samples.Count;
        }
    }

    public void Record(double milliseconds)
    {
        lock (_gate) _samples.Add(milliseconds);
    }

    /// <summary>Records the time from a <see cref="Stopwatch.GetTimestamp"/> value until now.</summary>
    public double RecordSince(long startTimestamp)
    {
        var elapsed = Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;
        Record(elapsed);
        return elapsed;
    }

    public Percentiles Summarise()
    {
        double[] copy;
        lock (_gate) copy = [.. _samples];
        return Percentiles.FromSamples(copy);
    }
}
