using System.Text.Json;
using Baton.Bench.Metrics;

namespace Baton.Bench.Tests;

public sealed class BenchResultTests
{
    [Fact]
    public void Json_has_scenario_backend_and_each_metric_as_percentiles_or_a_number()
    {
        var result = new BenchResult("dispatch", "sqlite")
            .Add("submit_ms", new Percentiles(1.5, 2.25, 3.125, 4, 10))
            .Add("throughput_jobs_per_s", 1234.56789)
            .Note("in-process figures include the simulators");

        using var json = JsonDocument.Parse(result.ToJson());
        var root = json.RootElement;

        Assert.Equal("dispatch", root.GetProperty("scenario").GetString());
        Assert.Equal("sqlite", root.GetProperty("backend").GetString());
        var metrics = root.GetProperty("metrics");
        Assert.Equal(["submit_ms", "throughput_jobs_per_s"], metrics.EnumerateObject().Select(m => m.Name));
        var submit = metrics.GetProperty("submit_ms");
        Assert.Equal(1.5, submit.GetProperty("p50").GetDouble());
        Assert.Equal(2.25, submit.GetProperty("p95").GetDouble());
        Assert.Equal(3.125, submit.GetProperty("p99").GetDouble());
        Assert.Equal(4, submit.GetProperty("max").GetDouble());
        Assert.Equal(10, submit.GetProperty("count").GetInt32());
        Assert.Equal(JsonValueKind.Number, metrics.GetProperty("throughput_jobs_per_s").ValueKind);
        Assert.Equal(1234.568, metrics.GetProperty("throughput_jobs_per_s").GetDouble());
        Assert.Equal("in-process figures include the simulators", root.GetProperty("notes")[0].GetString());
    }

    [Fact]
    public void A_metric_is_recorded_once()
    {
        var result = new BenchResult("api", "postgres").Add("api_ms", Percentiles.Empty);

        Assert.Throws<InvalidOperationException>(() => result.Add("api_ms", 1));
    }
}
