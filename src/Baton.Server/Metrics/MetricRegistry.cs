using System.Collections.Concurrent;
using Prometheus;

namespace Baton.Server.Metrics;

/// <summary>
/// This server's metric families: one prometheus-net registry per server (several servers share a test process, and
/// nothing goes to prometheus-net's static default registry, so none of its unprefixed default metrics appear), a
/// catalogue of every family by name for <see cref="MetricReader"/>, and the refreshers that bring pulled figures
/// (fleet, process, host, connection pool) up to date before a scrape or a read.
/// </summary>
public sealed class MetricRegistry
{
    /// <summary>Every family's name starts with this.</summary>
    public const string Prefix = "orchestrator_";

    private readonly CollectorRegistry _registry = Prometheus.Metrics.NewCustomRegistry();
    private readonly IMetricFactory _factory;
    private readonly ConcurrentDictionary<string, MetricFamily> _families = new(StringComparer.Ordinal);
    private Func<CancellationToken, Task>[] _refreshers = [];

    public MetricRegistry()
    {
        _factory = Prometheus.Metrics.WithCustomRegistry(_registry);
    }

    public IReadOnlyCollection<MetricFamily> Families => [.. _families.Values.OrderBy(family => family.Name, StringComparer.Ordinal)];

    public MetricFamily? Find(string name) => _families.GetValueOrDefault(name);

    public Counter Counter(string name, string help, params string[] labels)
    {
        var counter = _factory.CreateCounter(Named(name), help, labels);
        Add(new MetricFamily(name, MetricKind.Counter, help, labels, () => Series(counter, child => child.Value, () => counter.Value)));
        return counter;
    }

    public Gauge Gauge(string name, string help, params string[] labels)
    {
        var gauge = _factory.CreateGauge(Named(name), help, labels);
        Add(new MetricFamily(name, MetricKind.Gauge, help, labels, () => Series(gauge, child => child.Value, () => gauge.Value)));
        return gauge;
    }

    public Histogram Histogram(string name, string help, double[] buckets, params string[] labels)
    {
        var histogram = _factory.CreateHistogram(Named(name), help, labels, new HistogramConfiguration { Buckets = buckets });
        Add(new MetricFamily(name, MetricKind.Histogram, help, labels, () => HistogramSeries(histogram)));
        return histogram;
    }

    /// <summary>Registers work that updates pulled figures; it runs before every scrape and every read.</summary>
    public void OnRefresh(Func<CancellationToken, Task> refresh)
    {
        ArgumentNullException.ThrowIfNull(refresh);
        lock (_families) _refreshers = [.. _refreshers, refresh];
    }

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        foreach (var refresh in Volatile.Read(ref _refreshers)) await refresh(cancellationToken);
    }

    /// <summary>Refreshes, then writes every family in the Prometheus text format (version 0.0.4).</summary>
    public async Task WriteTextAsync(Stream output, CancellationToken cancellationToken)
    {
        await RefreshAsync(cancellationToken);
        await _registry.CollectAndExportAsTextAsync(output, ExpositionFormat.PrometheusText, cancellationToken);
    }

    private static string Named(string name)
    {
        if (!name.StartsWith(Prefix, StringComparison.Ordinal)) throw new ArgumentException($"Metric names start with {Prefix}: {name}", nameof(name));
        return name;
    }

    private void Add(MetricFamily family)
    {
        if (!_families.TryAdd(family.Name, family)) throw new InvalidOperationException($"Metric {family.Name} is registered twice.");
    }

    private static IEnumerable<MetricSeries> Series<TChild>(Collector<TChild> collector, Func<TChild, double> value, Func<double> unlabelled)
        where TChild : ChildBase
    {
        var names = collector.LabelNames;
        if (names.Length == 0)
        {
            yield return new MetricSeries(EmptyLabels, unlabelled(), null, null);
            yield break;
        }
        foreach (var values in collector.GetAllLabelValues())
        {
            yield return new MetricSeries(Labels(names, values), value(collector.WithLabels(values)), null, null);
        }
    }

    private static IEnumerable<MetricSeries> HistogramSeries(Histogram histogram)
    {
        var names = histogram.LabelNames;
        if (names.Length == 0)
        {
            yield return new MetricSeries(EmptyLabels, histogram.Count, histogram.Count, histogram.Sum);
            yield break;
        }
        foreach (var values in histogram.GetAllLabelValues())
        {
            var child = histogram.WithLabels(values);
            yield return new MetricSeries(Labels(names, values), child.Count, child.Count, child.Sum);
        }
    }

    private static readonly IReadOnlyDictionary<string, string> EmptyLabels = new Dictionary<string, string>();

    private static Dictionary<string, string> Labels(string[] names, string[] values)
    {
        var labels = new Dictionary<string, string>(names.Length, StringComparer.Ordinal);
        for (var i = 0; i < names.Length && i < values.Length; i++) labels[names[i]] = values[i];
        return labels;
    }
}

public enum MetricKind
{
    Counter,
    Gauge,
    Histogram,
}

/// <summary>One registered family: its name, kind, help text, label names, and its series as they are now.</summary>
public sealed record MetricFamily(
    string Name,
    MetricKind Kind,
    string Help,
    IReadOnlyList<string> LabelNames,
    Func<IEnumerable<MetricSeries>> ReadSeries);

/// <summary>
/// One series of a family: its labels and value; for a histogram the value is its count, and <see cref="Count"/> and
/// <see cref="Sum"/> are its observations and their sum.
/// </summary>
public sealed record MetricSeries(IReadOnlyDictionary<string, string> Labels, double Value, double? Count, double? Sum);
