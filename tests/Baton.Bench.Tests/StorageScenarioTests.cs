using System.Text.Json;
using Baton.Bench.Scenarios;

namespace Baton.Bench.Tests;

/// <summary>The storage scenario in quick mode against a real in-process server, on both backends.</summary>
public sealed class StorageScenarioTests
{
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Quick_storage_run_measures_database_growth_per_job(string backend)
    {
        if (backend == "postgres" && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("BATON_TEST_POSTGRES")))
            throw new InvalidOperationException("BATON_TEST_POSTGRES is not set: start a throwaway server with `eval \"$(scripts/test-postgres.sh start)\"`.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        var result = await BenchRunner.RunAsync(
            new StorageScenario(), new BenchTargetOptions(backend, InProcess: true), new BenchSettings(Quick: true, Jobs: 400), _ => { }, timeout.Token);

        using var json = JsonDocument.Parse(result.ToJson());
        var metrics = json.RootElement.GetProperty("metrics");
        Assert.Equal(400, metrics.GetProperty("jobs_completed").GetInt32());
        Assert.Equal(0, metrics.GetProperty("errors").GetInt32());
        var perJob = metrics.GetProperty("db_bytes_per_job").GetDouble();
        // Each job stores at least its 2,000 bytes of log text; far more than 50 kB would mean the wrong thing was measured.
        Assert.InRange(perJob, metrics.GetProperty("log_bytes_per_job").GetDouble(), 50_000);
        // Both figures are rounded from the same unrounded bytes per job (to a byte, and to 0.01 GB): recomputing one from
        // the other can land on the other side of a rounding edge (15,134.6 bytes: 15,135 and 15.13), so allow for both.
        Assert.InRange(metrics.GetProperty("db_gb_per_million_jobs").GetDouble(), perJob / 1000 - 0.0056, perJob / 1000 + 0.0056);
        Assert.True(metrics.GetProperty("db_bytes_after").GetDouble() > metrics.GetProperty("db_bytes_before").GetDouble());
    }
}
