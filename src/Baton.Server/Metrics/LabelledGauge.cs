using Prometheus;

namespace Baton.Server.Metrics;

/// <summary>
/// A gauge whose whole set of series is replaced at once from a fresh reading: the label sets of the new reading are
/// set, those of the previous reading that are gone are removed (a tenant that stops being labelled, a queue that
/// drained), so a scrape never carries a series for something that no longer exists.
/// </summary>
internal sealed class LabelledGauge(Gauge gauge)
{
    private readonly Lock _gate = new();
    private HashSet<LabelKey> _published = [];

    public void Publish(IReadOnlyDictionary<LabelKey, double> values)
    {
        lock (_gate)
        {
            foreach (var (key, value) in values) gauge.WithLabels(key.Values).Set(value);
            foreach (var gone in _published.Where(key => !values.ContainsKey(key))) gauge.WithLabels(gone.Values).Remove();
            _published = [.. values.Keys];
        }
    }
}

/// <summary>A set of label values, comparable by value (for dictionaries of series).</summary>
internal sealed class LabelKey(params string[] values) : IEquatable<LabelKey>
{
    public string[] Values { get; } = values;

    public bool Equals(LabelKey? other) => other is not null && Values.AsSpan().SequenceEqual(other.Values);

    public override bool Equals(object? obj) => Equals(obj as LabelKey);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var value in Values) hash.Add(value, StringComparer.Ordinal);
        return hash.ToHashCode();
    }
}

internal static class LabelSums
{
    /// <summary>Adds <paramref name="value"/> to the series of <paramref name="key"/>.</summary>
    public static void Accumulate(this Dictionary<LabelKey, double> series, LabelKey key, double value) =>
        series[key] = series.GetValueOrDefault(key) + value;

    /// <summary>Keeps the larger of the series' value and <paramref name="value"/>.</summary>
    public static void KeepMax(this Dictionary<LabelKey, double> series, LabelKey key, double value) =>
        series[key] = series.TryGetValue(key, out var current) ? Math.Max(current, value) : value;
}
