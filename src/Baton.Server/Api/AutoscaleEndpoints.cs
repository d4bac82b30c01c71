using System.Text.Json;
using Baton.Core.Api;
using Baton.Core.Autoscaling;
using Baton.Server.Autoscaling;
using Baton.Server.Autoscaling.Providers;
using Baton.Server.Hosting;
using Baton.Server.Security;
using Baton.Storage;
using Baton.Storage.Model;
using Microsoft.Extensions.Options;

namespace Baton.Server.Api;

/// <summary>
/// <c>/api/v1/system/autoscale/…</c>, system admins only: apply and delete policies, status, decisions, pause and
/// resume a target, its forecast, anomalies, and the JSON that KEDA's <c>metrics-api</c> scaler reads.
/// </summary>
public static class AutoscaleEndpoints
{
    private const int PageSize = 500;

    public static void MapAutoscaleEndpoints(this RouteGroupBuilder api)
    {
        var autoscale = api.MapGroup("/system/autoscale").RequireAuthorization(AuthPolicies.SystemAdmin);
        autoscale.MapPut("/policies", ApplyAsync).Produces<AppliedAutoscalePoliciesDto>();
        autoscale.MapDelete("/policies", DeleteAsync).ProducesNoContent();
        autoscale.MapGet("/status", StatusAsync).Produces<AutoscaleStatusDto>();
        autoscale.MapGet("/decisions", DecisionsAsync).Produces<ListResponse<AutoscaleDecisionDto>>();
        autoscale.MapPost("/pause", (string? target, IBatonStore store, TimeProvider time, CancellationToken ct) => PauseAsync(target, true, store, time, ct))
            .Produces<AutoscaleTargetDto>();
        autoscale.MapPost("/resume", (string? target, IBatonStore store, TimeProvider time, CancellationToken ct) => PauseAsync(target, false, store, time, ct))
            .Produces<AutoscaleTargetDto>();
        autoscale.MapGet("/forecast", ForecastAsync).Produces<AutoscaleForecastDto>();
        autoscale.MapGet("/anomalies", AnomaliesAsync).Produces<ListResponse<AnomalyDto>>();
        autoscale.MapGet("/metrics", MetricsAsync).Produces<AutoscaleMetricsDto>();
    }

    private static async Task<IResult> ApplyAsync(ApplyAutoscalePolicyRequest? request, AutoscalePolicies policies, IBatonStore store, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request?.Yaml)) return Problems.Validation("yaml is required: the policy in the seed's YAML.", "yaml");
        if (request.Yaml.Length > 256 * 1024) return Problems.Validation("a policy file is at most 256 KiB.", "yaml");
        var result = await policies.ApplyAsync(request.Yaml, ct);
        if (!result.Succeeded) return Problems.Validation(result.Errors.Select(e => (e.Field, e.Message)));
        var targets = await store.Autoscale.ListTargetsAsync(ct);
        return Results.Ok(new AppliedAutoscalePoliciesDto([.. targets.Where(t => result.Policies.Any(p => p.Target.Key == t.Target)).Select(ToDto)]));
    }

    private static async Task<IResult> DeleteAsync(string? target, IBatonStore store, CancellationToken ct)
    {
        if (Target(target, out var key) is { } invalid) return invalid;
        return await store.Autoscale.DeletePolicyAsync(key, ct) ? Results.NoContent() : Problems.NotFound($"A policy for {key}");
    }

    private static async Task<IResult> StatusAsync(IBatonStore store, CancellationToken ct) =>
        Results.Ok(new AutoscaleStatusDto([.. (await store.Autoscale.ListTargetsAsync(ct)).Select(ToDto)]));

    private static async Task<IResult> DecisionsAsync(string? target, long? before, int? limit, IBatonStore store, CancellationToken ct)
    {
        string? key = null;
        if (target is not null && Target(target, out key) is { } invalid) return invalid;
        if (limit is < 1 or > PageSize) return Problems.Validation($"limit must be between 1 and {PageSize}.", "limit");
        var decisions = await store.Autoscale.ListDecisionsAsync(key, before, limit ?? 50, ct);
        return Results.Ok(new ListResponse<AutoscaleDecisionDto>([.. decisions.Select(d => new AutoscaleDecisionDto(
            d.Id, d.Target, d.At, d.FromReplicas, d.ToReplicas, d.Rule, d.Explanation, JsonDocument.Parse(d.Triggers).RootElement.Clone(), d.ForecastReplicas, d.Replica))]));
    }

    private static async Task<IResult> PauseAsync(string? target, bool paused, IBatonStore store, TimeProvider time, CancellationToken ct)
    {
        if (Target(target, out var key) is { } invalid) return invalid;
        if (!await store.Autoscale.SetPausedAsync(key, paused, time.GetUtcNow(), ct)) return Problems.NotFound($"A policy for {key}");
        return Results.Ok(ToDto((await store.Autoscale.GetTargetAsync(key, ct))!));
    }

    private static async Task<IResult> ForecastAsync(string? target, double? hours, IBatonStore store, DemandTracker demand, ScalingProviders providers, CancellationToken ct)
    {
        if (Target(target, out var key) is { } invalid) return invalid;
        if (hours is <= 0 or > 168) return Problems.Validation("hours must be above 0 and at most 168.", "hours");
        if (await store.Autoscale.GetTargetAsync(key, ct) is not { } record) return Problems.NotFound($"A policy for {key}");
        var policy = PolicyOf(record.PolicyYaml);
        if (policy is null) return Problems.InvalidState($"The stored policy of {key} does not read.");
        if (policy.Target.Component != TargetComponent.Worker) return Problems.Validation($"{key} is not a worker target: the forecast is of job demand.", "target");
        var lead = TargetEvaluator.LeadTime(policy, providers.Existing(key));
        var plan = await demand.PlanAsync(policy, TimeSpan.FromHours(hours ?? 24), lead, ct);
        return Results.Ok(new AutoscaleForecastDto(key, ModeText(policy.Predictive.Mode), plan.Buckets[0].Start, plan.ReplicasNow, plan.Note, lead,
            [.. plan.Buckets.Select(b => new ForecastBucketDto(b.Start, Math.Round(b.ForecastAgentSeconds, 1), Math.Round(b.ScheduledAgentSeconds, 1), b.Replicas, b.Method))]));
    }

    private static async Task<IResult> AnomaliesAsync(long? before, int? limit, IBatonStore store, CancellationToken ct)
    {
        if (limit is < 1 or > PageSize) return Problems.Validation($"limit must be between 1 and {PageSize}.", "limit");
        var anomalies = await store.Autoscale.ListAnomaliesAsync(before, limit ?? 50, ct);
        return Results.Ok(new ListResponse<AnomalyDto>([.. anomalies.Select(a => new AnomalyDto(a.Id, a.Target, a.At, a.Kind, a.Subject, a.Value, a.Usual,
            a.Score >= double.MaxValue ? -1 : a.Score, a.Detail))]));
    }

    /// <summary>For KEDA's metrics-api scaler: <c>valueLocation: queueDepth</c> (or <c>desiredReplicas</c>).</summary>
    private static async Task<IResult> MetricsAsync(string? target, IBatonStore store, FleetReadings readings, IOptions<ServerOptions> options, TimeProvider time, CancellationToken ct)
    {
        if (Target(target, out var key) is { } invalid) return invalid;
        var parsed = ScalingTarget.TryParse(key, out var known, out _) ? known : ScalingTarget.DefaultWorkers;
        var record = await store.Autoscale.GetTargetAsync(key, ct);
        var policy = record is null ? null : PolicyOf(record.PolicyYaml);
        // Without a policy, the target's queue depth alone (KEDA then does the scaling).
        policy ??= new ScalingPolicy(key, parsed, ProviderSpec.LocalDefault,
            [new ScalingTrigger(TriggerType.QueueDepth, null, 100, 10, ScalingPolicyReader.DefaultUp, ScalingPolicyReader.DefaultDown, ReadingKind.Total)],
            new ReplicaLimits(0, ScalingPolicyReader.MaxReplicasCeiling), PredictiveSettings.Off, AnomalySettings.Default);
        var fleet = await store.Autoscale.ReadFleetAsync(time.GetUtcNow(), options.Value.Autoscaler.FastFailure, ct);
        var observed = await readings.ForAsync(policy, fleet, record?.Replicas ?? 1, options.Value.MaxPollWait, ct);
        var group = parsed.Group ?? "default";
        var queueDepth = fleet.Queues.Where(q => parsed.Component != TargetComponent.Worker || Core.Dispatch.AgentGroupNames.Serves(q.AgentGroups, group)).Sum(q => q.Pending);
        var agents = fleet.Agents.Count(a => parsed.Component != TargetComponent.Worker || a.Group == group);
        return Results.Ok(new AutoscaleMetricsDto(key, queueDepth, record?.Replicas, record?.ForecastReplicas, agents, observed.Readings));
    }

    private static ScalingPolicy? PolicyOf(string yaml) => ScalingPolicyReader.ReadOne(yaml) is { Succeeded: true } read ? read.Policies[0] : null;

    private static IResult? Target(string? text, out string key)
    {
        key = "";
        if (string.IsNullOrWhiteSpace(text)) return Problems.Validation("target is required (api, worker/GROUP, agent-manager, scheduler, notification).", "target");
        if (!ScalingTarget.TryParse(text, out var target, out var error)) return Problems.Validation(error!, "target");
        key = target.Key;
        return null;
    }

    private static AutoscaleTargetDto ToDto(AutoscaleTargetRecord record)
    {
        var policy = PolicyOf(record.PolicyYaml);
        return new AutoscaleTargetDto(record.Target, record.Name, record.Provider, record.Paused, record.Replicas,
            policy?.Limits.MinReplicas ?? 0, policy?.Limits.MaxReplicas ?? 0, ModeText(policy?.Predictive.Mode ?? PredictiveMode.Off), record.ForecastReplicas,
            record.LastExplanation, record.EvaluatedAt, record.LeaseHolder, record.AppliedAt, record.PolicyYaml);
    }

    private static string ModeText(PredictiveMode mode) => mode switch
    {
        PredictiveMode.ForecastOnly => "forecast-only",
        PredictiveMode.ForecastAndScale => "forecast-and-scale",
        _ => "off",
    };
}
