namespace Baton.Bench.Metrics;

/// <summary>A latency distribution summary in milliseconds (nearest-rank percentiles over every sample).</summary>
public sealed record Percentiles(double P50, double P95, double P99, double Max, int Count)
{
    public static Percentiles Empty { get; } = new(0, 0, 0, 0, 0);

    /// <summary>Summarises <paramref name="samples"/>; the array is sorted in place.</summary>
    public static Percentiles FromSamples(double[] samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Length == 0) return Empty;
        Array.Sort(samples);
        return new Percentiles(
            Rank(samples, 50), Rank(samples, 95), Rank(samples, 99), samples[^1], samples.Length);
    }

    /// <summary>Nearest rank: the smallest sample with at least <paramref name="percent"/>% of samples at or below it.</summary>
    public static double Rank(double[] sorted, double percent)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Length == 0) return 0;
        var index = (int)Math.Ceiling(percent / 100.0 * sorted.Length) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
    }
}
