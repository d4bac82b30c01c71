using System.Text.Json;

namespace Baton.Core.Api;

/// <summary>PUT /api/v1/system/autoscale/policies: one or more policies in the seed's YAML (documents separated by <c>---</c>).</summary>
public sealed record ApplyAutoscalePolicyRequest(string Yaml);

public sealed record AppliedAutoscalePoliciesDto(IReadOnlyList<AutoscaleTargetDto> Targets);

/// <summary>A scaled target: its policy, provider, pause flag, replicas now, what the forecast asks for, and its last evaluation.</summary>
public sealed record AutoscaleTargetDto(
    string Target,
    string Name,
    string Provider,
    bool Paused,
    int? Replicas,
    int MinReplicas,
    int MaxReplicas,
    string Predictive,
    int? ForecastReplicas,
    string? LastExplanation,
    DateTimeOffset? EvaluatedAt,
    string? LeaseHolder,
    DateTimeOffset AppliedAt,
    string Policy);

public sealed record AutoscaleStatusDto(IReadOnlyList<AutoscaleTargetDto> Targets);

/// <summary>A recorded decision: from → to, the rule that fired, each trigger's reading and vote, and the sentence.</summary>
public sealed record AutoscaleDecisionDto(
    long Id, string Target, DateTimeOffset At, int From, int To, string Rule, string Explanation, JsonElement Triggers, int? ForecastReplicas, string Replica);

public sealed record AnomalyDto(long Id, string Target, DateTimeOffset At, string Kind, string Subject, double Value, double Usual, double Score, string Detail);

public sealed record ForecastBucketDto(DateTimeOffset Start, double ForecastAgentSeconds, double ScheduledAgentSeconds, int Replicas, string Method);

/// <summary>The next hours of a target's forecast: demand per 5-minute bucket (history and schedules) and the replicas each needs.</summary>
public sealed record AutoscaleForecastDto(string Target, string Mode, DateTimeOffset At, int ReplicasNow, string Note, TimeSpan LeadTime, IReadOnlyList<ForecastBucketDto> Buckets);

/// <summary>
/// What KEDA's <c>metrics-api</c> scaler (and anything else polling JSON) reads for a target: the queue depth it
/// serves, the replicas the autoscaler wants, and the forecast's floor.
/// </summary>
public sealed record AutoscaleMetricsDto(string Target, double QueueDepth, int? DesiredReplicas, int? ForecastReplicas, int Agents, IReadOnlyDictionary<string, double> Readings);
