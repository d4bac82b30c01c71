namespace Baton.Storage.Model;

/// <summary>A policy as applied: its target key (<c>worker/default</c>), name, the YAML as written, and its provider type.</summary>
public sealed record NewAutoscalePolicy(string Target, string Name, string PolicyYaml, string Provider, DateTimeOffset AppliedAt);

/// <summary>A target with its policy, pause flag, last evaluation and lease.</summary>
public sealed record AutoscaleTargetRecord(
    string Target,
    string Name,
    string PolicyYaml,
    string Provider,
    DateTimeOffset AppliedAt,
    bool Paused,
    DateTimeOffset? PausedAt,
    int? Replicas,
    string? State,
    string? LastExplanation,
    int? ForecastReplicas,
    DateTimeOffset? EvaluatedAt,
    string? LeaseHolder,
    DateTimeOffset? LeaseUntil);

/// <summary>One evaluation's outcome kept on the target: the replicas now, the engine state (JSON) and why.</summary>
public sealed record AutoscaleEvaluation(DateTimeOffset At, int Replicas, string State, string Explanation, int? ForecastReplicas);

/// <summary>A recorded scaling decision: time, target, from → to, the rule that fired, the readings (JSON) and the sentence.</summary>
public sealed record NewAutoscaleDecision(
    string Target, DateTimeOffset At, int FromReplicas, int ToReplicas, string Rule, string Explanation, string Triggers, int? ForecastReplicas, string Replica);

public sealed record AutoscaleDecisionRecord(
    long Id, string Target, DateTimeOffset At, int FromReplicas, int ToReplicas, string Rule, string Explanation, string Triggers, int? ForecastReplicas, string Replica);

public sealed record NewAnomaly(string Target, DateTimeOffset At, string Kind, string Subject, double Value, double Usual, double Score, string Detail);

public sealed record AnomalyRecord(long Id, string Target, DateTimeOffset At, string Kind, string Subject, double Value, double Usual, double Score, string Detail);

/// <summary>What the autoscaler reads of the fleet in one system-scope transaction.</summary>
public sealed record FleetSnapshot(
    IReadOnlyList<FleetQueueLoad> Queues,
    IReadOnlyList<FleetTenantActivity> Tenants,
    IReadOnlyList<FleetAgent> Agents,
    int ActiveSchedules,
    int WebhookDeliveriesDue);

/// <summary>Jobs waiting (and of those, fired by schedules) and running in one queue, with the groups that serve it (empty = all).</summary>
public sealed record FleetQueueLoad(string TenantId, string Queue, IReadOnlyList<string> AgentGroups, int Pending, int ScheduledPending, int Running);

/// <summary>A tenant's unscheduled submissions in the last minute, and its jobs that ended in the last five (and failed within the fast-failure time).</summary>
public sealed record FleetTenantActivity(string TenantId, int SubmittedLastMinute, int FinishedRecently, int FailedFastRecently);

/// <summary>An online agent: its group, slots, and the jobs it holds now.</summary>
public sealed record FleetAgent(string Id, string TenantId, string Group, int Slots, int ActiveJobs);

/// <summary>Unscheduled demand of one 5-minute bucket (index since the Unix epoch).</summary>
public sealed record DemandBucketRow(long Bucket, int Jobs, int Finished, double RunSeconds);

public sealed record RunTimeRow(string TenantId, string Package, double MeanSeconds, int Runs);
