namespace Baton.Server.Metrics;

/// <summary>
/// Reads the current value of any <c>orchestrator_*</c> family by name, optionally narrowed by labels, summed over
/// the matching series — the value a <c>sum(name{labels})</c> over this replica's scrape would give. The seam for
/// autoscaler triggers that name a metric. Pulled figures (fleet, process, host, pool) are refreshed first, so a read
/// is as fresh as a scrape.
/// <para>
/// A histogram is read as <c>NAME_count</c> (observations) or <c>NAME_sum</c> (their total); its bare name reads the
/// count. Counters are this replica's (they restart at zero with the process); fleet families (queue depth, agents,
/// schedules …) are the same on every replica.
/// </para>
/// </summary>
public sealed class MetricReader(MetricRegistry registry)
{
    /// <summary>The summed value, or null when no family has that name.</summary>
    public async Task<double?> ReadAsync(string name, IReadOnlyDictionary<string, string>? labels = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var (family, part) = Resolve(name);
        if (family is null) return null;
        await registry.RefreshAsync(cancellationToken);
        return Sum(family, part, labels);
    }

    /// <summary>Every family with its series as they are now (after a refresh); narrowed to names starting with <paramref name="prefix"/>.</summary>
    public async Task<IReadOnlyList<(MetricFamily Family, IReadOnlyList<MetricSeries> Series)>> ReadAllAsync(string? prefix, CancellationToken cancellationToken)
    {
        await registry.RefreshAsync(cancellationToken);
        return [.. registry.Families
            .Where(family => prefix is null || family.Name.StartsWith(prefix, StringComparison.Ordinal))
            .Select(family => (family, (IReadOnlyList<MetricSeries>)[.. family.ReadSeries()]))];
    }

    /// <summary>Whether a family (or a histogram's <c>_count</c>/<c>_sum</c>) of that name exists.</summary>
    public bool Knows(string name) => Resolve(name).Family is not null;

    private (MetricFamily? Family, HistogramPart Part) Resolve(string name)
    {
        if (registry.Find(name) is { } family) return (family, HistogramPart.Count);
        foreach (var (suffix, part) in new[] { ("_count", HistogramPart.Count), ("_sum", HistogramPart.Sum) })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal)
                && registry.Find(name[..^suffix.Length]) is { Kind: MetricKind.Histogram } histogram)
            {
                return (histogram, part);
            }
        }
        return (null, HistogramPart.Count);
    }

    private static double Sum(MetricFamily family, HistogramPart part, IReadOnlyDictionary<string, string>? labels)
    {
        var total = 0d;
        foreach (var series in family.ReadSeries())
        {
            if (labels is not null && labels.Any(label => !series.Labels.TryGetValue(label.Key, out var value) || value != label.Value)) continue;
            total += family.Kind == MetricKind.Histogram && part == HistogramPart.Sum ? series.Sum ?? 0 : series.Value;
        }
        return total;
    }

    private enum HistogramPart
    {
        Count,
        Sum,
    }
}
