using System.Net;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.Autoscaling;

/// <summary>Triggers that name an <c>orchestrator_*</c> metric read the metrics registry's live value.</summary>
public sealed class AutoscaleMetricTriggerTests : IAsyncLifetime
{
    private const string Metric = "orchestrator_job_queue_oldest_age_seconds";
    private readonly ServerHarness _server = new();
    private readonly string _countFile = Path.Combine(Path.GetTempPath(), "baton-autoscale-metric-" + Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync() => await _server.StartAsync(o =>
    {
        o.Autoscaler.Tick = TimeSpan.FromMilliseconds(200);
        o.Metrics.FleetMaxAge = TimeSpan.FromMilliseconds(200);
    });

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        File.Delete(_countFile);
    }

    private string Policy(string metric, string tenant) => $$"""
        name: waiting-time
        target: worker/default
        provider:
          type: command
          command: "echo {replicas} > {{_countFile}}"
        evaluationInterval: 1s
        triggers:
          - type: Metric
            metricName: {{metric}}
            labels: {tenant: {{tenant}}}
            perReplica: false
            threshold: 3
            scaleUp: {incrementSize: 2, cooldownSeconds: 1}
            scaleDown: {decrementSize: 1, cooldownSeconds: 600}
        limits: {minReplicas: 1, maxReplicas: 3}
        # A reading rising from 0 is what the spike filter holds for minutes; this test is about the reading.
        anomaly: {enabled: false}
        """;

    [Fact]
    public async Task A_trigger_on_the_oldest_waiting_job_scales_once_the_registry_gauge_passes_its_threshold()
    {
        using var admin = _server.Client();
        using var tenant = await _server.CreateTenantAsync();
        var name = tenant.Tenant.Name;
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        await admin.PutAsJsonAsync("/api/v1/system/autoscale/policies", new ApplyAutoscalePolicyRequest(Policy(Metric, name))).ShouldBeAsync(HttpStatusCode.OK);

        // Nothing waits: the gauge reads 0 and the target stays at its minimum.
        var key = $"{Metric}{{tenant=\"{name}\"}}";
        var idle = await WaitForAsync(async () =>
        {
            var m = await admin.GetAsync("/api/v1/system/autoscale/metrics?target=worker/default").ReadAsync<AutoscaleMetricsDto>();
            return m.Readings.TryGetValue(key, out var value) ? value : (double?)null;
        });
        Assert.Equal(0, idle);

        var sinceSubmission = System.Diagnostics.Stopwatch.StartNew();
        await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ShouldBeAsync(HttpStatusCode.Created);
        // No agent takes it: the oldest pending job ages, and past 3 s the trigger scales 1 → 3.
        var decision = await WaitForAsync(async () =>
        {
            var page = await admin.GetAsync("/api/v1/system/autoscale/decisions?target=worker/default").ReadAsync<ListResponse<AutoscaleDecisionDto>>();
            return page.Items.FirstOrDefault(d => d.To == 3);
        });
        var waited = sinceSubmission.Elapsed.TotalSeconds;
        Assert.Equal((1, 3), (decision.From, decision.To));
        Assert.Equal(key, decision.Rule);
        var reading = decision.Triggers[0].GetProperty("reading").GetDouble();
        Assert.InRange(reading, 3, waited + 1);
        Assert.StartsWith($"{Metric}", decision.Explanation, StringComparison.Ordinal);
        Assert.Equal("3", (await File.ReadAllTextAsync(_countFile)).Trim());

        // The same figure /metrics publishes for that tenant, still growing.
        var live = (await admin.GetAsync("/api/v1/system/autoscale/metrics?target=worker/default").ReadAsync<AutoscaleMetricsDto>()).Readings[key];
        Assert.True(live >= reading, $"{live} after {reading}");
    }

    [Fact]
    public async Task A_policy_naming_a_metric_the_server_does_not_publish_is_refused_and_nothing_is_stored()
    {
        using var admin = _server.Client();
        var problem = await admin.PutAsJsonAsync("/api/v1/system/autoscale/policies", new ApplyAutoscalePolicyRequest(Policy("orchestrator_no_such_metric", "acme")))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal("triggers[0].metricName", error.GetProperty("field").GetString());
        Assert.Contains("orchestrator_no_such_metric", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty((await admin.GetAsync("/api/v1/system/autoscale/status").ReadAsync<AutoscaleStatusDto>()).Targets);

        // A histogram reads by its _count or _sum; the AgentCount trigger's name reads the agents gauge.
        await admin.PutAsJsonAsync("/api/v1/system/autoscale/policies",
            new ApplyAutoscalePolicyRequest(Policy("orchestrator_http_request_duration_seconds_count", "acme"))).ShouldBeAsync(HttpStatusCode.OK);
        await admin.PutAsJsonAsync("/api/v1/system/autoscale/policies",
            new ApplyAutoscalePolicyRequest(Policy("orchestrator_agents_online", "acme"))).ShouldBeAsync(HttpStatusCode.OK);
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, int seconds = 60) where T : class
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } value) return value;
            if (clock.Elapsed > TimeSpan.FromSeconds(seconds)) throw new TimeoutException("the condition did not come true in time");
            await Task.Delay(100);
        }
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, int seconds = 60) where T : struct
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } value) return value;
            if (clock.Elapsed > TimeSpan.FromSeconds(seconds)) throw new TimeoutException("the condition did not come true in time");
            await Task.Delay(100);
        }
    }
}
