using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Baton.Bench.Metrics;

/// <summary>
/// The outcome of one scenario: named metrics, each a latency distribution or a single number, in the
/// order they were added, plus notes that qualify them (for example "in-process figures include the simulators").
/// </summary>
public sealed class BenchResult(string scenario, string backend)
{
    private readonly List<KeyValuePair<string, object>> _metrics = [];
    private readonly List<string> _notes = [];

    public string Scenario { get; } = scenario;

    public string Backend { get; } = backend;

    public IReadOnlyList<KeyValuePair<string, object>> Metrics => _metrics;

    public IReadOnlyList<string> Notes => _notes;

    public BenchResult Add(string name, Percentiles value) => AddMetric(name, value);

    public BenchResult Add(string name, double value) => AddMetric(name, value);

    public BenchResult Note(string note)
    {
        _notes.Add(note);
        return this;
    }

    public object? Get(string name) => _metrics.FirstOrDefault(m => m.Key == name).Value;

    private BenchResult AddMetric(string name, object value)
    {
        if (_metrics.Any(m => m.Key == name)) throw new InvalidOperationException($"Metric {name} is already recorded.");
        _metrics.Add(new(name, value));
        return this;
    }

    /// <summary><c>{"scenario": …, "backend": …, "metrics": {"NAME": {"p50","p95","p99","max","count"} or a number}, "notes": [...]}</c></summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("scenario", Scenario);
            json.WriteString("backend", Backend);
            json.WriteStartObject("metrics");
            foreach (var (name, value) in _metrics)
            {
                if (value is Percentiles p)
                {
                    json.WriteStartObject(name);
                    json.WriteNumber("p50", Round(p.P50));
                    json.WriteNumber("p95", Round(p.P95));
                    json.WriteNumber("p99", Round(p.P99));
                    json.WriteNumber("max", Round(p.Max));
                    json.WriteNumber("count", p.Count);
                    json.WriteEndObject();
                }
                else
                {
                    json.WriteNumber(name, Round((double)value));
                }
            }
            json.WriteEndObject();
            json.WriteStartArray("notes");
            foreach (var note in _notes) json.WriteStringValue(note);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static string Format(double value) => Round(value).ToString("0.###", CultureInfo.InvariantCulture);

    private static double Round(double value) => Math.Round(value, 3);
}
