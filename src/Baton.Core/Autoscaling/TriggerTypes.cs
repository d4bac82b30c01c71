namespace Baton.Core.Autoscaling;

/// <summary>The trigger types of the seed (sections 10.2 and 14.2), plus any <c>orchestrator_*</c> metric by name.</summary>
public enum TriggerType
{
    QueueDepth,
    CPUUtilization,
    RequestRate,
    AgentCount,
    HeartbeatLoad,
    ScheduleCount,
    EvaluationTime,
    NotificationRate,
    /// <summary>Any <c>orchestrator_*</c> metric named by <c>metricName</c>.</summary>
    Metric,
}

/// <summary>
/// What each trigger type reads and its defaults. Scale-down thresholds default to the seed's table 14.2
/// where it gives one (queue depth 100 → 10 per worker, CPU 70 → 30 %, request rate 1000 → 300 per
/// instance), and to half the scale-up threshold elsewhere.
/// </summary>
public static class TriggerTypes
{
    public const string MetricPrefix = "orchestrator_";

    private sealed record Info(TriggerType Type, string Name, string DefaultMetric, ReadingKind Reading, double DownRatio, string Unit);

    private static readonly Info[] All =
    [
        new(TriggerType.QueueDepth, "QueueDepth", "orchestrator_job_queue_depth", ReadingKind.Total, 0.1, "jobs"),
        new(TriggerType.CPUUtilization, "CPUUtilization", "orchestrator_cpu_utilization_percent", ReadingKind.Average, 3.0 / 7.0, "%"),
        new(TriggerType.RequestRate, "RequestRate", "orchestrator_http_requests_per_second", ReadingKind.Total, 0.3, "req/s"),
        new(TriggerType.AgentCount, "AgentCount", "orchestrator_agents_online", ReadingKind.Total, 0.5, "agents"),
        new(TriggerType.HeartbeatLoad, "HeartbeatLoad", "orchestrator_heartbeats_per_second", ReadingKind.Total, 0.5, "heartbeats/s"),
        new(TriggerType.ScheduleCount, "ScheduleCount", "orchestrator_schedules_active", ReadingKind.Total, 0.5, "schedules"),
        new(TriggerType.EvaluationTime, "EvaluationTime", "orchestrator_scheduler_evaluation_seconds", ReadingKind.Average, 0.5, "s"),
        new(TriggerType.NotificationRate, "NotificationRate", "orchestrator_webhook_deliveries_per_second", ReadingKind.Total, 0.5, "deliveries/s"),
        new(TriggerType.Metric, "Metric", "", ReadingKind.Total, 0.5, ""),
    ];

    public static IEnumerable<string> Names => All.Select(i => i.Name);

    public static string Name(TriggerType type) => Get(type).Name;

    /// <summary>The metric a type reads unless the trigger names another.</summary>
    public static string DefaultMetric(TriggerType type) => Get(type).DefaultMetric;

    public static ReadingKind DefaultReading(TriggerType type) => Get(type).Reading;

    public static string Unit(TriggerType type) => Get(type).Unit;

    /// <summary>The scale-down threshold used when a trigger does not give one.</summary>
    public static double DefaultScaleDownThreshold(TriggerType type, double threshold) => Math.Round(threshold * Get(type).DownRatio, 6);

    public static bool TryParse(string? text, out TriggerType type)
    {
        var info = All.FirstOrDefault(i => string.Equals(i.Name, text, StringComparison.OrdinalIgnoreCase));
        type = info?.Type ?? TriggerType.Metric;
        return info is not null;
    }

    /// <summary>A stable key suffix for a label filter, so two triggers on one metric with different labels read apart.</summary>
    public static string LabelSuffix(IReadOnlyDictionary<string, string> labels) =>
        labels.Count == 0 ? "" : "{" + string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";

    private static Info Get(TriggerType type) => All.First(i => i.Type == type);
}
