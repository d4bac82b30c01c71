using Baton.Core.Autoscaling;

namespace Baton.Core.Tests.Autoscaling;

public sealed class ScalingPolicyReaderTests
{
    /// <summary>The example of the seed's section 10.2, byte for byte.</summary>
    public const string SeedExample = """
        # Worker service autoscaling
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

    [Fact]
    public void The_seed_example_loads_unchanged()
    {
        var result = ScalingPolicyReader.ReadOne(SeedExample);

        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        var policy = Assert.Single(result.Policies);
        Assert.Equal("worker/default", policy.Target.Key);
        Assert.Equal(ProviderSpec.Local, policy.Provider.Type);
        Assert.Equal(new ReplicaLimits(2, 20), policy.Limits);
        Assert.Equal(2, policy.Triggers.Count);

        var queue = policy.Triggers[0];
        Assert.Equal(TriggerType.QueueDepth, queue.Type);
        Assert.Equal("orchestrator_job_queue_depth", queue.MetricName);
        Assert.Equal(100, queue.Threshold);
        Assert.Equal(10, queue.ScaleDownThreshold); // seed 14.2: down at 10 jobs per worker
        Assert.Equal(ReadingKind.Total, queue.Reading);
        Assert.Equal(new ScaleStep(2, TimeSpan.FromMinutes(2)), queue.Up);
        Assert.Equal(new ScaleStep(1, TimeSpan.FromMinutes(5)), queue.Down);
        Assert.Equal("QueueDepth", queue.ReadingKey);

        var cpu = policy.Triggers[1];
        Assert.Equal(TriggerType.CPUUtilization, cpu.Type);
        Assert.Equal(30, cpu.ScaleDownThreshold, 6); // seed 14.2: CPU 70 % up, 30 % down
        Assert.Equal(ReadingKind.Average, cpu.Reading);
        Assert.Equal(PredictiveMode.Off, policy.Predictive.Mode);
        Assert.True(policy.Anomaly.Enabled);
    }

    [Fact]
    public void Every_trigger_type_and_a_metric_by_name_are_read()
    {
        var yaml = """
            name: api-fleet
            target: api
            provider: {type: kubernetes, name: baton-api, namespace: baton}
            evaluationInterval: 30s
            triggers:
              - {type: RequestRate, threshold: 1000}
              - {type: CPUUtilization, threshold: 70}
              - {type: AgentCount, threshold: 2000}
              - {type: HeartbeatLoad, threshold: 500}
              - {type: ScheduleCount, threshold: 5000}
              - {type: EvaluationTime, threshold: 0.5}
              - {type: NotificationRate, threshold: 50}
              - type: Metric
                metricName: orchestrator_http_request_duration_seconds_p95
                perReplica: false
                labels: {route: /api/v1/jobs}
                threshold: 0.2
                scaleDown: {threshold: 0.05, decrementSize: 2, cooldownSeconds: 30}
            limits: {minReplicas: 1, maxReplicas: 8}
            """;
        var result = ScalingPolicyReader.ReadOne(yaml);

        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        var policy = result.Policies[0];
        Assert.Equal("api-fleet", policy.Name);
        Assert.Equal(TargetComponent.Api, policy.Target.Component);
        Assert.Equal("baton-api", policy.Provider.Setting("name"));
        Assert.Equal(TimeSpan.FromSeconds(30), policy.EvaluationInterval);
        Assert.Equal(300, policy.Triggers[0].ScaleDownThreshold, 6); // seed 14.2: 1000 up, 300 down per instance
        var custom = policy.Triggers[^1];
        Assert.Equal(TriggerType.Metric, custom.Type);
        Assert.Equal(ReadingKind.Average, custom.Reading);
        Assert.Equal(0.05, custom.ScaleDownThreshold);
        Assert.Equal(new ScaleStep(2, TimeSpan.FromSeconds(30)), custom.Down);
        Assert.Equal("orchestrator_http_request_duration_seconds_p95{route=\"/api/v1/jobs\"}", custom.ReadingKey);
        Assert.Equal(ScalingPolicyReader.DefaultUp, custom.Up);
    }

    [Fact]
    public void Several_documents_are_several_policies_with_their_targets()
    {
        var yaml = SeedExample + "\n---\ntarget: {component: worker, group: gpu}\npredictive: {mode: forecast-only, leadTime: 90s, slotsPerReplica: 4}\n"
            + "triggers: [{type: QueueDepth, threshold: 20}]\nlimits: {minReplicas: 0, maxReplicas: 4}\n";
        var result = ScalingPolicyReader.Read(yaml);

        Assert.True(result.Succeeded, string.Join("; ", result.Errors));
        Assert.Equal(["worker/default", "worker/gpu"], result.Policies.Select(p => p.Target.Key));
        Assert.Equal(new PredictiveSettings(PredictiveMode.ForecastOnly, TimeSpan.FromSeconds(90), 4, 0.8), result.Policies[1].Predictive);
    }

    [Theory]
    [InlineData("triggers: [{type: QueueLength, threshold: 100}]\nlimits: {minReplicas: 1, maxReplicas: 2}", "triggers[0].type", "unknown trigger type 'QueueLength'")]
    [InlineData("triggers: [{type: QueueDepth, threshold: 100}]\nlimits: {minReplicas: 5, maxReplicas: 2}", "limits", "minReplicas (5) is above maxReplicas (2)")]
    [InlineData("triggers: [{type: QueueDepth, threshold: 100}]\nlimits: {minReplicas: -1, maxReplicas: 2}", "limits.minReplicas", "must not be negative")]
    [InlineData("triggers: [{type: QueueDepth, threshold: 100, scaleUp: {incrementSize: -2}}]\nlimits: {minReplicas: 1, maxReplicas: 2}", "triggers[0].scaleUp.incrementSize", "must be at least 1")]
    [InlineData("triggers: [{type: QueueDepth, threshold: 100, scaleDown: {decrementSize: 0}}]\nlimits: {minReplicas: 1, maxReplicas: 2}", "triggers[0].scaleDown.decrementSize", "must be at least 1")]
    [InlineData("triggers: [{type: QueueDepth, threshold: -5}]\nlimits: {minReplicas: 1, maxReplicas: 2}", "triggers[0].threshold", "must be above 0")]
    [InlineData("triggers: [{type: QueueDepth, threshold: 100, scaleUp: {cooldownMinutes: -1}}]\nlimits: {minReplicas: 1, maxReplicas: 2}", "triggers[0].scaleUp.cooldownMinutes", "between 0 and one day")]
    [InlineData("triggers: [{type: QueueDepth, threshold: 100, scaleDown: {threshold: 100}}]\nlimits: {minReplicas: 1, maxReplicas: 2}", "triggers[0].scaleDown.threshold", "below the scale-up threshold")]
    [InlineData("triggers: [{type: Metric, threshold: 1}]\nlimits: {minReplicas: 1, maxReplicas: 2}", "triggers[0].metricName", "is required for type Metric")]
    [InlineData("triggers: [{type: Metric, metricName: node_cpu_seconds_total, threshold: 1}]\nlimits: {minReplicas: 1, maxReplicas: 2}", "triggers[0].metricName", "not an orchestrator_* metric")]
    [InlineData("triggers: []\nlimits: {minReplicas: 1, maxReplicas: 2}", "triggers", "at least one trigger")]
    [InlineData("triggers: [{type: QueueDepth, threshold: 100}]", "limits", "is required")]
    [InlineData("triggers: [{type: QueueDepth, threshold: 100}]\nlimits: {minReplicas: 1, maxReplicas: 2}\ntriggerz: 1", "triggerz", "did you mean 'triggers'?")]
    [InlineData("target: database\ntriggers: [{type: QueueDepth, threshold: 100}]\nlimits: {minReplicas: 1, maxReplicas: 2}", "target", "unknown component 'database'")]
    [InlineData("target: api\ntriggers: [{type: RequestRate, threshold: 100}]\nlimits: {minReplicas: 1, maxReplicas: 2}", "provider", "the local provider starts agents only")]
    [InlineData("provider: {type: kubernetes}\ntriggers: [{type: QueueDepth, threshold: 100}]\nlimits: {minReplicas: 1, maxReplicas: 2}", "provider.name", "is required")]
    [InlineData("provider: {type: command}\ntriggers: [{type: QueueDepth, threshold: 100}]\nlimits: {minReplicas: 1, maxReplicas: 2}", "provider.command", "is required")]
    [InlineData("provider: ec2\ntriggers: [{type: QueueDepth, threshold: 100}]\nlimits: {minReplicas: 1, maxReplicas: 2}", "provider", "unknown provider 'ec2'")]
    [InlineData("triggers: [{type: QueueDepth, threshold: 100}, {type: QueueDepth, threshold: 50}]\nlimits: {minReplicas: 1, maxReplicas: 2}", "triggers", "two triggers read QueueDepth")]
    [InlineData("triggers: [{type: CPUUtilization, threshold: 170}]\nlimits: {minReplicas: 1, maxReplicas: 2}", "triggers[0].threshold", "at most 100")]
    [InlineData("triggers: [{type: QueueDepth, threshold: ten}]\nlimits: {minReplicas: 1, maxReplicas: 2}", "triggers[0].threshold", "must be a number")]
    [InlineData("predictive: {mode: sometimes}\ntriggers: [{type: QueueDepth, threshold: 100}]\nlimits: {minReplicas: 1, maxReplicas: 2}", "predictive.mode", "unknown mode 'sometimes'")]
    [InlineData("triggers: [{type: QueueDepth, threshold: 100\nlimits: 1", "policy", "invalid YAML")]
    [InlineData("", "policy", "the policy is empty")]
    [InlineData("- a\n- b", "policy", "must be a mapping")]
    public void Bad_policies_are_refused_with_the_field_and_a_reason(string yaml, string field, string reason)
    {
        var result = ScalingPolicyReader.Read(yaml);

        Assert.False(result.Succeeded);
        Assert.Empty(result.Policies);
        Assert.Contains(result.Errors, e => e.Field == field && e.Message.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void A_hostile_document_is_refused_not_a_crash()
    {
        var result = ScalingPolicyReader.Read(new string('[', 100_000));
        Assert.False(result.Succeeded);
        Assert.Equal("policy", result.Errors[0].Field);
    }
}
