using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.Autoscaling;

/// <summary>The autoscaler role and its endpoints on a real server, scaling through the command provider.</summary>
public sealed class AutoscaleEndpointTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();
    private readonly string _countFile = Path.Combine(Path.GetTempPath(), "baton-autoscale-count-" + Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync() => await _server.StartAsync(o => o.Autoscaler.Tick = TimeSpan.FromMilliseconds(200));

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        File.Delete(_countFile);
    }

    private string CommandPolicy(int threshold = 2, string extra = "") => $$"""
        name: fleet
        target: worker/default
        provider:
          type: command
          command: "echo {replicas} > {{_countFile}}"
        evaluationInterval: 1s
        triggers:
          - type: QueueDepth
            threshold: {{threshold}}
            scaleUp: {incrementSize: 2, cooldownSeconds: 1}
            scaleDown: {decrementSize: 1, cooldownSeconds: 600}
        limits: {minReplicas: 1, maxReplicas: 3}
        {{extra}}
        """;

    private static Task<HttpResponseMessage> ApplyAsync(HttpClient client, string yaml) =>
        client.PutAsJsonAsync("/api/v1/system/autoscale/policies", new ApplyAutoscalePolicyRequest(yaml));

    [Fact]
    public async Task The_seed_policy_applies_and_a_bad_one_is_refused_with_every_reason_and_changes_nothing()
    {
        using var admin = _server.Client();
        var seed = """
            triggers:
              - type: QueueDepth
                metricName: orchestrator_job_queue_depth
                threshold: 100
                scaleUp:
                  incrementSize: 2
                  cooldownMinutes: 2
                scaleDown:
                  decrementSize: 1
                  cooldownMinutes: 5
              - type: CPUUtilization
                threshold: 70
                scaleUp:
                  incrementSize: 1
                  cooldownMinutes: 2
                scaleDown:
                  decrementSize: 1
                  cooldownMinutes: 5
            limits:
              minReplicas: 2
              maxReplicas: 20
            """;
        // Paused first, so the test's server starts no local agents for it.
        var applied = await ApplyAsync(admin, seed).ReadAsync<AppliedAutoscalePoliciesDto>();
        var target = Assert.Single(applied.Targets);
        Assert.Equal(("worker/default", "local", 2, 20), (target.Target, target.Provider, target.MinReplicas, target.MaxReplicas));
        await admin.PostAsync("/api/v1/system/autoscale/pause?target=worker/default", null).ShouldBeAsync(HttpStatusCode.OK);

        var problem = await ApplyAsync(admin, "target: worker/gpu\ntriggers: [{type: QueueLength, threshold: 5}]\nlimits: {minReplicas: 4, maxReplicas: 2}")
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        var fields = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()).ToList();
        Assert.Contains("triggers[0].type", fields);
        Assert.Contains("limits", fields);
        var status = await admin.GetAsync("/api/v1/system/autoscale/status").ReadAsync<AutoscaleStatusDto>();
        Assert.Equal(["worker/default"], status.Targets.Select(t => t.Target));
        Assert.True(status.Targets[0].Paused);

        await ApplyAsync(admin, "").ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        await admin.PostAsync("/api/v1/system/autoscale/pause?target=database", null).ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        await admin.PostAsync("/api/v1/system/autoscale/pause?target=api", null).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await admin.DeleteAsync("/api/v1/system/autoscale/policies?target=worker/default").ShouldBeAsync(HttpStatusCode.NoContent);
        Assert.Empty((await admin.GetAsync("/api/v1/system/autoscale/status").ReadAsync<AutoscaleStatusDto>()).Targets);
    }

    [Fact]
    public async Task Only_system_admins_see_or_change_the_autoscaler()
    {
        var tenant = await _server.CreateTenantAsync();
        await ApplyAsync(tenant.Client, CommandPolicy()).ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        await tenant.Client.GetAsync("/api/v1/system/autoscale/status").ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        await tenant.Client.GetAsync("/api/v1/system/autoscale/decisions").ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        await tenant.Client.GetAsync("/api/v1/system/autoscale/metrics?target=worker/default").ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        using var anonymous = _server.Client(bearer: null);
        await anonymous.GetAsync("/api/v1/system/autoscale/status").ShouldBeAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_deep_queue_is_scaled_through_the_provider_recorded_explained_and_announced()
    {
        using var admin = _server.Client();
        var tenant = await _server.CreateTenantAsync();
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        for (var i = 0; i < 5; i++) await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ShouldBeAsync(HttpStatusCode.Created);

        var metrics = await admin.GetAsync("/api/v1/system/autoscale/metrics?target=worker/default").ReadAsync<AutoscaleMetricsDto>();
        Assert.Equal(5, metrics.QueueDepth);
        Assert.Equal(0, metrics.Agents);

        await ApplyAsync(admin, CommandPolicy()).ShouldBeAsync(HttpStatusCode.OK);
        var decisions = await WaitForAsync(async () =>
        {
            var page = await admin.GetAsync("/api/v1/system/autoscale/decisions?target=worker/default").ReadAsync<ListResponse<AutoscaleDecisionDto>>();
            return page.Items.Any(d => d.To == 3) ? page.Items : null;
        });

        // The command provider starts at the minimum (1); 5 queued > 2 × 1 → +2.
        Assert.Equal([(1, 3)], decisions.Select(d => (d.From, d.To)));
        Assert.Equal("queue depth 5 > 2 × 1 agents → +2; next scale-up after", decisions[0].Explanation[..^9].TrimEnd());
        Assert.Equal("QueueDepth", decisions[0].Rule);
        Assert.Equal(5, decisions[0].Triggers[0].GetProperty("reading").GetDouble());
        Assert.Equal("3", (await File.ReadAllTextAsync(_countFile)).Trim());

        var status = (await admin.GetAsync("/api/v1/system/autoscale/status").ReadAsync<AutoscaleStatusDto>()).Targets.Single();
        Assert.Equal(3, status.Replicas);
        Assert.NotNull(status.LeaseHolder);
        var events = await WaitForAsync(async () =>
        {
            var page = await admin.GetAsync("/api/v1/events?types=autoscale.scaled").ReadAsync<JsonElement>();
            return page.GetProperty("items").GetArrayLength() >= 1 ? page : (JsonElement?)null;
        });
        var scaled = events.GetProperty("items").EnumerateArray().Last().GetProperty("data");
        Assert.Equal(("worker/default", 1, 3), (scaled.GetProperty("target").GetString(), scaled.GetProperty("from").GetInt32(), scaled.GetProperty("to").GetInt32()));

        // Paused: the queue deepens, nothing moves, and the status says what it would do.
        await admin.PostAsync("/api/v1/system/autoscale/pause?target=worker/default", null).ShouldBeAsync(HttpStatusCode.OK);
        await ApplyAsync(admin, CommandPolicy(threshold: 1).Replace("maxReplicas: 3", "maxReplicas: 8", StringComparison.Ordinal)).ShouldBeAsync(HttpStatusCode.OK);
        var paused = await WaitForAsync(async () =>
        {
            var target = (await admin.GetAsync("/api/v1/system/autoscale/status").ReadAsync<AutoscaleStatusDto>()).Targets.Single();
            return target.LastExplanation?.StartsWith("paused: would go 3 → 5", StringComparison.Ordinal) == true ? target : null;
        });
        Assert.True(paused.Paused);
        Assert.Equal("3", (await File.ReadAllTextAsync(_countFile)).Trim());
        Assert.Single((await admin.GetAsync("/api/v1/system/autoscale/decisions").ReadAsync<ListResponse<AutoscaleDecisionDto>>()).Items);

        await admin.PostAsync("/api/v1/system/autoscale/resume?target=worker/default", null).ShouldBeAsync(HttpStatusCode.OK);
        await WaitForAsync(async () => (await File.ReadAllTextAsync(_countFile)).Trim() == "5" ? "ok" : null);
    }

    [Fact]
    public async Task The_forecast_of_a_worker_target_lists_the_next_hours_with_upcoming_fires()
    {
        using var admin = _server.Client();
        await ApplyAsync(admin, CommandPolicy(extra: "predictive: {mode: forecast-only, slotsPerReplica: 2, leadTime: 90s}")).ShouldBeAsync(HttpStatusCode.OK);
        await admin.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        await admin.PostAsJsonAsync("/api/v1/schedules", new { name = "burst", cron = "*/5 * * * *", package = "hello" }).ShouldBeAsync(HttpStatusCode.Created);

        var forecast = await admin.GetAsync("/api/v1/system/autoscale/forecast?target=worker/default&hours=24").ReadAsync<AutoscaleForecastDto>();
        Assert.Equal("forecast-only", forecast.Mode);
        Assert.Equal(288, forecast.Buckets.Count);
        Assert.Equal(TimeSpan.FromSeconds(90), forecast.LeadTime);
        // Every 5-minute bucket holds one fire of a job never measured: a minute of work.
        Assert.All(forecast.Buckets.Skip(1).Take(280), b => Assert.Equal(60, b.ScheduledAgentSeconds));
        await admin.GetAsync("/api/v1/system/autoscale/forecast?target=worker/default&hours=500").ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        await admin.GetAsync("/api/v1/system/autoscale/forecast?target=worker/gpu").ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, int seconds = 60)
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
