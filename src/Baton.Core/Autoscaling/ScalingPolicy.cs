namespace Baton.Core.Autoscaling;

/// <summary>
/// One autoscaling policy: what it scales (<see cref="Target"/>), through which provider, on which
/// triggers, between which limits, and whether the forecast and the anomaly detector take part.
/// Written in the seed's YAML (section 10.2); see <see cref="ScalingPolicyReader"/>.
/// </summary>
public sealed record ScalingPolicy(
    string Name,
    ScalingTarget Target,
    ProviderSpec Provider,
    IReadOnlyList<ScalingTrigger> Triggers,
    ReplicaLimits Limits,
    PredictiveSettings Predictive,
    AnomalySettings Anomaly)
{
    /// <summary>How often the autoscaler evaluates the policy.</summary>
    public TimeSpan EvaluationInterval { get; init; } = TimeSpan.FromSeconds(15);
}

/// <summary>The seed's five scalable components (section 10.2).</summary>
public enum TargetComponent
{
    Api,
    /// <summary>Agents: a pool or group of them (the seed's "worker service").</summary>
    Worker,
    AgentManager,
    Scheduler,
    Notification,
}

/// <summary>A component, and for workers the agent group scaled (<c>worker/gpu</c>).</summary>
public sealed record ScalingTarget(TargetComponent Component, string? Group)
{
    public static readonly ScalingTarget DefaultWorkers = new(TargetComponent.Worker, "default");

    /// <summary>Stable text: <c>api</c>, <c>worker/default</c>, <c>agent-manager</c>, <c>scheduler</c>, <c>notification</c>.</summary>
    public string Key => Component == TargetComponent.Worker ? $"worker/{Group ?? "default"}" : ComponentText(Component);

    /// <summary>What one replica of the target is called in explanations.</summary>
    public string ReplicaNoun => Component == TargetComponent.Worker ? "agents" : "replicas";

    public override string ToString() => Key;

    public static string ComponentText(TargetComponent component) => component switch
    {
        TargetComponent.Api => "api",
        TargetComponent.Worker => "worker",
        TargetComponent.AgentManager => "agent-manager",
        TargetComponent.Scheduler => "scheduler",
        TargetComponent.Notification => "notification",
        _ => throw new ArgumentOutOfRangeException(nameof(component), component, null),
    };

    public static readonly string[] ComponentNames = ["api", "worker", "agent-manager", "scheduler", "notification"];

    /// <summary>Parses <c>api</c>, <c>worker</c> (group default), <c>worker/gpu</c>, <c>agent-manager</c>, ….</summary>
    public static bool TryParse(string? text, out ScalingTarget target, out string? error)
    {
        target = DefaultWorkers;
        error = null;
        var trimmed = (text ?? "").Trim().ToLowerInvariant();
        var slash = trimmed.IndexOf('/', StringComparison.Ordinal);
        var component = slash < 0 ? trimmed : trimmed[..slash];
        var group = slash < 0 ? null : trimmed[(slash + 1)..];
        TargetComponent? parsed = component switch
        {
            "api" => TargetComponent.Api,
            "worker" or "workers" or "agents" => TargetComponent.Worker,
            "agent-manager" or "agentmanager" => TargetComponent.AgentManager,
            "scheduler" => TargetComponent.Scheduler,
            "notification" or "notifier" => TargetComponent.Notification,
            _ => null,
        };
        if (parsed is null)
        {
            error = $"unknown component '{component}'; known: {string.Join(", ", ComponentNames)} (worker/GROUP for an agent group)";
            return false;
        }
        if (group is not null && parsed != TargetComponent.Worker)
        {
            error = $"only workers name a group ('worker/{group}'), not {component}";
            return false;
        }
        if (group is not null && !Dispatch.AgentGroupNames.IsValid(group))
        {
            error = $"'{group}' is not a valid agent group name";
            return false;
        }
        target = new ScalingTarget(parsed.Value, parsed == TargetComponent.Worker ? group ?? "default" : null);
        return true;
    }
}

/// <summary>Which provider changes the replica count, and its settings (kept as text; the provider validates them).</summary>
public sealed record ProviderSpec(string Type, IReadOnlyDictionary<string, string> Settings)
{
    public const string Local = "local";
    public const string Kubernetes = "kubernetes";
    public const string Command = "command";
    public static readonly string[] Types = [Local, Kubernetes, Command];

    public static readonly ProviderSpec LocalDefault = new(Local, new Dictionary<string, string>());

    public string? Setting(string name) => Settings.TryGetValue(name, out var value) ? value : null;
}

/// <summary>The seed's <c>limits</c>: the autoscaler never goes outside them.</summary>
public sealed record ReplicaLimits(int MinReplicas, int MaxReplicas)
{
    public int Clamp(int replicas) => Math.Clamp(replicas, MinReplicas, MaxReplicas);
}

/// <summary>How a trigger's threshold relates to its reading.</summary>
public enum ReadingKind
{
    /// <summary>The reading is a fleet total (queue depth, requests/s): the threshold is per replica, so the total is divided by the replicas.</summary>
    Total,
    /// <summary>The reading is already an average over replicas (CPU %, evaluation time): compared as it is.</summary>
    Average,
}

/// <summary>One step of the seed's <c>scaleUp</c>/<c>scaleDown</c>: how many replicas, and how long to wait after a change.</summary>
public sealed record ScaleStep(int Size, TimeSpan Cooldown);

/// <summary>
/// One trigger: scale up by <see cref="Up"/> while its per-replica reading is above
/// <see cref="Threshold"/>, down by <see cref="Down"/> while it is below
/// <see cref="ScaleDownThreshold"/> (the band between is hysteresis: nothing moves there).
/// </summary>
public sealed record ScalingTrigger(
    TriggerType Type,
    string? MetricName,
    double Threshold,
    double ScaleDownThreshold,
    ScaleStep Up,
    ScaleStep Down,
    ReadingKind Reading)
{
    /// <summary>Label filter for a metric read by name (<c>tenant: acme</c>); empty = every series, summed.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Short human name used in explanations ("queue depth", "CPU").</summary>
    public string Describe() => Type switch
    {
        TriggerType.QueueDepth => "queue depth",
        TriggerType.CPUUtilization => "CPU %",
        TriggerType.RequestRate => "request rate",
        TriggerType.AgentCount => "agent count",
        TriggerType.HeartbeatLoad => "heartbeat load",
        TriggerType.ScheduleCount => "schedule count",
        TriggerType.EvaluationTime => "evaluation time",
        TriggerType.NotificationRate => "notification rate",
        _ => MetricName ?? "metric",
    };

    /// <summary>Key under which readings for this trigger are looked up (its type, or its metric name).</summary>
    public string ReadingKey => Type == TriggerType.Metric || (MetricName is not null && MetricName != TriggerTypes.DefaultMetric(Type))
        ? MetricName! + TriggerTypes.LabelSuffix(Labels)
        : TriggerTypes.Name(Type);
}

/// <summary>
/// Predictive scaling (seed 10.3): <c>off</c>, <c>forecast-only</c> (computed and shown, never acted on) or
/// <c>forecast-and-scale</c> (the forecast's replica count is a floor, reached <see cref="LeadTime"/> ahead).
/// </summary>
public sealed record PredictiveSettings(PredictiveMode Mode, TimeSpan? LeadTime, int SlotsPerReplica, double TargetUtilization)
{
    public static readonly PredictiveSettings Off = new(PredictiveMode.Off, null, 1, 0.8);
}

public enum PredictiveMode
{
    Off,
    ForecastOnly,
    ForecastAndScale,
}

/// <summary>Anomaly filtering (seed 10.4): whether it applies, and how long a spike must last before it is followed.</summary>
public sealed record AnomalySettings(bool Enabled, TimeSpan SpikePersistence, double OutlierScore)
{
    public static readonly AnomalySettings Default = new(true, TimeSpan.FromMinutes(3), 6);
}
