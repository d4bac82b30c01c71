namespace Baton.Core.Autoscaling.Anomalies;

/// <summary>
/// The last N samples of a series and robust statistics over them: the median, and the median absolute
/// deviation scaled by 1.4826 so it estimates a standard deviation for normal data. A sample's score is how
/// many such deviations it lies above the median; unlike a mean and standard deviation, neither moves much
/// when the window itself holds a few outliers.
/// </summary>
public sealed class RobustWindow(int capacity)
{
    private readonly float[] _samples = new float[capacity];
    private int _count;
    private int _next;

    public int Count => _count;

    public int Capacity => capacity;

    public void Add(double value)
    {
        _samples[_next] = (float)value;
        _next = (_next + 1) % capacity;
        if (_count < capacity) _count++;
    }

    public void Clear()
    {
        _count = 0;
        _next = 0;
    }

    public double Median => Statistics().Median;

    /// <summary>The median and the robust deviation (1.4826 × MAD) of the window.</summary>
    public (double Median, double Deviation) Statistics()
    {
        if (_count == 0) return (0, 0);
        var values = new double[_count];
        for (var i = 0; i < _count; i++) values[i] = _samples[i];
        Array.Sort(values);
        var median = MedianOfSorted(values);
        for (var i = 0; i < values.Length; i++) values[i] = Math.Abs(values[i] - median);
        Array.Sort(values);
        return (median, 1.4826 * MedianOfSorted(values));
    }

    /// <summary>
    /// How far above the window a value lies, in robust deviations. The deviation is floored (a tenth of the
    /// median, and <paramref name="minimumDeviation"/>) so a perfectly steady series does not make every
    /// small wobble infinitely unusual.
    /// </summary>
    public double Score(double value, double minimumDeviation = 1)
    {
        var (median, deviation) = Statistics();
        var floor = Math.Max(minimumDeviation, median * 0.1);
        return (value - median) / Math.Max(deviation, floor);
    }

    /// <summary>The highest value still ordinary at <paramref name="score"/>: median + score × deviation (floored as in <see cref="Score"/>).</summary>
    public double UpperBound(double score, double minimumDeviation = 1)
    {
        var (median, deviation) = Statistics();
        return median + score * Math.Max(deviation, Math.Max(minimumDeviation, median * 0.1));
    }

    private static double MedianOfSorted(double[] sorted)
    {
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
