using System.Text.Json;
using Baton.Cli.Http;
using Baton.Cli.Tests.Infrastructure;
using Baton.Core.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Baton.Cli.Tests.Commands;

/// <summary><c>baton status</c>: the system metrics as a terminal view (<c>--once</c>) or as JSON.</summary>
public sealed class StatusCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private static SystemMetricsResponse Reading() => new("host:42", Dtos.At, Dtos.At,
    [
        Family("orchestrator_job_queue_depth", "gauge", (new() { ["tenant"] = "acme", ["queue"] = "reports" }, 340), (new() { ["tenant"] = "_other", ["queue"] = "_other" }, 12)),
        Family("orchestrator_job_queue_ready", "gauge", (new() { ["tenant"] = "acme", ["queue"] = "reports" }, 300)),
        Family("orchestrator_jobs_active", "gauge", (new() { ["tenant"] = "acme", ["queue"] = "reports", ["state"] = "running" }, 8)),
        Family("orchestrator_agents", "gauge", (new() { ["tenant"] = "acme", ["group"] = "gpu", ["state"] = "online" }, 2)),
        Family("orchestrator_agent_slots", "gauge", (new() { ["tenant"] = "acme", ["group"] = "gpu" }, 8)),
        Family("orchestrator_agent_slots_busy", "gauge", (new() { ["tenant"] = "acme", ["group"] = "gpu" }, 8)),
    ]);

    private static MetricFamilyDto Family(string name, string type, params (Dictionary<string, string> Labels, double Value)[] series) =>
        new(name, type, "help", [.. series.Select(s => new MetricSeriesDto(s.Labels, s.Value, null, null))]);

    [Fact]
    public async Task Once_prints_queues_agents_and_totals_and_json_prints_the_figures()
    {
        await using var server = await FakeBatonServer.StartAsync(app => app.MapGet("/api/v1/system/metrics", () => FakeBatonServer.Json(Reading())));

        var view = await _cli.RunAgainstAsync(server, "status", "--once");
        var json = await _cli.RunAgainstAsync(server, "status", "--json");

        Assert.Equal(0, view.ExitCode);
        Assert.Contains("Pending 352", view.Stdout, StringComparison.Ordinal);
        Assert.Contains("acme", view.Stdout, StringComparison.Ordinal);
        Assert.Contains("reports", view.Stdout, StringComparison.Ordinal);
        Assert.Contains("(others)", view.Stdout, StringComparison.Ordinal);
        Assert.Contains("8/8", view.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, json.ExitCode);
        var parsed = JsonSerializer.Deserialize<SystemMetricsResponse>(json.Stdout, BatonJson.Wire)!;
        Assert.Equal(352, parsed.Families.Single(f => f.Name == "orchestrator_job_queue_depth").Series.Sum(s => s.Value));
    }

    [Fact]
    public async Task A_tenant_key_gets_the_servers_refusal_and_a_bad_interval_is_refused()
    {
        await using var server = await FakeBatonServer.StartAsync(app => app.MapGet("/api/v1/system/metrics", () => Results.Problem(
            statusCode: 403, type: ProblemTypes.Forbidden, title: "Forbidden", detail: "Your API key's role does not allow this operation.")));

        var refused = await _cli.RunAgainstAsync(server, "status", "--once");
        var bad = await _cli.RunAgainstAsync(server, "status", "--interval", "0");

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("does not allow", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, bad.ExitCode);
    }
}
