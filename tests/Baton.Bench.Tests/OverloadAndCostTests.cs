using System.Text.Json;
using Baton.Bench.Scenarios;

namespace Baton.Bench.Tests;

/// <summary>The overload scenario and the per-job cost figures, in quick mode against real servers.</summary>
public sealed class OverloadAndCostTests
{
    [Fact]
    public async Task Quick_dispatch_over_several_tenants_on_postgres_reports_what_each_job_cost()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var result = await BenchRunner.RunAsync(
            new DispatchScenario(), new BenchTargetOptions("postgres", InProcess: true), new BenchSettings(Quick: true, Jobs: 120, Tenants: 3), _ => { }, timeout.Token);

        var root = JsonDocument.Parse(result.ToJson()).RootElement;
        var metrics = root.GetProperty("metrics");
        Assert.Equal(120, metrics.GetProperty("jobs_completed").GetInt32());
        Assert.Equal(0, metrics.GetProperty("errors").GetInt32());
        // Every job is at least a submission, a claim, a start and a completion somewhere; group commit and batched
        // claims share transactions, so the figure is a positive fraction of a handful, not zero and not dozens.
        Assert.InRange(metrics.GetProperty("db_transactions_per_job").GetDouble(), 0.05, 20);
        Assert.InRange(metrics.GetProperty("server_cpu_ms_per_job").GetDouble(), 0.001, 1_000);
        Assert.Contains(root.GetProperty("notes").EnumerateArray(), note => note.GetString()!.Contains("of 3 tenant(s)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Quick_overload_measures_the_peak_and_the_rate_under_ten_times_the_load()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var result = await BenchRunner.RunAsync(
            new OverloadScenario(), new BenchTargetOptions("sqlite", InProcess: true), new BenchSettings(Quick: true), _ => { }, timeout.Token);

        var metrics = JsonDocument.Parse(result.ToJson()).RootElement.GetProperty("metrics");
        var peak = metrics.GetProperty("peak_jobs_per_s").GetDouble();
        Assert.True(peak > 0, "the peak phase should complete jobs");
        Assert.InRange(metrics.GetProperty("overload_offered_per_s").GetDouble(), peak * 10 - 0.1, peak * 10 + 0.1);
        Assert.True(metrics.GetProperty("overload_jobs_per_s").GetDouble() > 0);
        Assert.Equal(0, metrics.GetProperty("unfinished_after_drain").GetInt32());
        Assert.Equal(0, metrics.GetProperty("errors").GetInt32());
    }
}
