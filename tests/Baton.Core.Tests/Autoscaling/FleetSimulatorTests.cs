using Baton.Core.Autoscaling;
using Baton.Core.Autoscaling.Anomalies;
using Baton.Core.Autoscaling.Simulation;
using Xunit.Abstractions;

namespace Baton.Core.Tests.Autoscaling;

/// <summary>The sample traces replayed through the real engine, forecaster and detector.</summary>
public sealed class FleetSimulatorTests(ITestOutputHelper output)
{
    private static string Samples(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Baton.slnx"))) dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("repository root not found"), "samples", "traces", name);
    }

    private static ScalingPolicy SamplePolicy()
    {
        var result = ScalingPolicyReader.ReadOne(File.ReadAllText(Samples("policy.yaml")));
        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        return result.Policies[0];
    }

    private void Show(SimulationReport report) => output.WriteLine(
        $"{report.Label}: agent-minutes {report.AgentMinutes:0}, jobs {report.Jobs}, wait p50 {report.WaitP50Seconds}s p95 {report.WaitP95Seconds}s p99 {report.WaitP99Seconds}s, peak {report.PeakAgents}, events {report.ScaleEvents.Count}, anomalies {report.Anomalies.Count}, p95 by tenant {string.Join(" ", report.WaitP95ByTenant.Select(t => $"{t.Key}={t.Value}s"))}");

    [Fact]
    public void On_the_0900_trace_predictive_halves_p95_wait_for_at_most_ten_percent_more_agent_minutes()
    {
        var trace = LoadTrace.Parse(File.ReadAllText(Samples("business-week-0900.csv")));
        var policy = SamplePolicy();

        var reactive = FleetSimulator.Run(policy, trace, new SimulationOptions { Predictive = false, Label = "reactive" });
        var predictive = FleetSimulator.Run(policy, trace, new SimulationOptions { Label = "reactive + predictive" });
        Show(reactive);
        Show(predictive);

        Assert.Equal(trace.Sum(r => r.Submissions), reactive.Jobs);
        Assert.Equal(reactive.Jobs, predictive.Jobs);
        Assert.True(predictive.WaitP95Seconds * 2 <= reactive.WaitP95Seconds, $"p95 {predictive.WaitP95Seconds}s vs {reactive.WaitP95Seconds}s");
        Assert.True(predictive.AgentMinutes <= reactive.AgentMinutes * 1.10, $"agent-minutes {predictive.AgentMinutes:0} vs {reactive.AgentMinutes:0}");
        Assert.Contains(predictive.ScaleEvents, e => e.Rule == "forecast" && e.At.Hour == 8);
        Assert.All(predictive.Timeline, p => Assert.InRange(p.Agents, 0, 20 + 20)); // draining agents finish their jobs beside new ones
    }

    [Fact]
    public void A_flash_crowd_is_flagged_and_its_excess_not_scaled_for()
    {
        var trace = LoadTrace.Parse(File.ReadAllText(Samples("flash-crowd.csv")));
        var policy = SamplePolicy();
        var withDetector = FleetSimulator.Run(policy, trace, new SimulationOptions { Label = "anomaly detection" });
        var without = FleetSimulator.Run(policy, trace, new SimulationOptions { Anomalies = false, Label = "no anomaly detection" });
        Show(withDetector);
        Show(without);

        var flagged = Assert.Single(withDetector.Anomalies, a => a.Kind == AnomalyKinds.TenantOutlier);
        Assert.Equal("initech", flagged.Subject);
        Assert.True(withDetector.PeakAgents * 2 <= without.PeakAgents, $"peak {withDetector.PeakAgents} vs {without.PeakAgents}");
        Assert.True(withDetector.AgentMinutes < without.AgentMinutes);
        // Fair share keeps the other tenants' waits short while the crowd's own backlog waits.
        Assert.True(withDetector.WaitP95ByTenant["acme"] <= 120, $"acme p95 {withDetector.WaitP95ByTenant["acme"]}s");
        Assert.True(withDetector.WaitP95ByTenant["initech"] > without.WaitP95ByTenant["initech"]);
    }

    [Fact]
    public void A_flood_from_one_key_is_flagged_and_not_scaled_for()
    {
        var trace = LoadTrace.Parse(File.ReadAllText(Samples("key-flood.csv")));
        var policy = SamplePolicy();
        var withDetector = FleetSimulator.Run(policy, trace, new SimulationOptions { Label = "anomaly detection" });
        var without = FleetSimulator.Run(policy, trace, new SimulationOptions { Anomalies = false, Label = "no anomaly detection" });
        Show(withDetector);
        Show(without);

        Assert.Contains(withDetector.Anomalies, a => a.Kind == AnomalyKinds.RequestFlood && a.Subject == "key:globex-leaked-key");
        Assert.Contains(withDetector.Anomalies, a => a.Kind == AnomalyKinds.FailureStorm);
        Assert.True(withDetector.PeakAgents * 2 <= without.PeakAgents, $"peak {withDetector.PeakAgents} vs {without.PeakAgents}");
        Assert.True(withDetector.AgentMinutes < without.AgentMinutes, $"agent-minutes {withDetector.AgentMinutes:0} vs {without.AgentMinutes:0}");
    }

    [Fact]
    public void Bad_traces_are_refused_with_the_line()
    {
        var missing = Assert.Throws<FormatException>(() => LoadTrace.Parse("time,tenant,submissions\n0,a,1\n"));
        Assert.Contains("no 'duration' column", missing.Message, StringComparison.Ordinal);
        var bad = Assert.Throws<FormatException>(() => LoadTrace.Parse("# c\ntime,tenant,submissions,duration\n0,a,1,5\n60,a,-1,5\n"));
        Assert.StartsWith("line 4:", bad.Message, StringComparison.Ordinal);
        var rows = LoadTrace.Parse("time,tenant,submissions,duration\n60,a,2,5\n0,b,1,1.5\n");
        Assert.Equal(["b", "a"], rows.Select(r => r.Tenant));
        Assert.Equal("a-key", rows[1].Key);
    }
}
