using System.Text.Json;
using Baton.Core.Autoscaling;
using Baton.Core.Autoscaling.Anomalies;
using Baton.Server.Autoscaling.Providers;
using Baton.Server.Hosting;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Autoscaling;

/// <summary>
/// One evaluation of one target, on the replica that holds its lease: readings from the fleet snapshot, the anomaly
/// filter, the forecast, the engine, then the provider — and the decision recorded with its explanation. Keeps the
/// target's anomaly windows between evaluations (a replica that takes a target over warms them up again).
/// </summary>
public sealed class TargetEvaluator(
    string target,
    IBatonStore store,
    ScalingProviders providers,
    FleetReadings fleetReadings,
    DemandTracker demand,
    AutoscaleEvents events,
    IRequestActivitySource requests,
    ServerOptions options,
    TimeProvider time,
    ILogger logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private AnomalyDetector? _detector;
    private AnomalySettings? _detectorSettings;
    private (DateTimeOffset AppliedAt, ScalingPolicy Policy)? _policy;

    public DateTimeOffset LastEvaluatedAt { get; private set; } = DateTimeOffset.MinValue;

    public string Target => target;

    /// <summary>The target's policy as applied (parsed once per apply).</summary>
    public ScalingPolicy? PolicyOf(AutoscaleTargetRecord record)
    {
        if (_policy is { } cached && cached.AppliedAt == record.AppliedAt) return cached.Policy;
        var read = ScalingPolicyReader.ReadOne(record.PolicyYaml);
        if (!read.Succeeded)
        {
            logger.LogError("The stored policy of {Target} does not read: {Errors}", target, string.Join("; ", read.Errors));
            return null;
        }
        _policy = (record.AppliedAt, read.Policies[0]);
        return read.Policies[0];
    }

    /// <returns>False when this replica lost the target's lease (another one acts now).</returns>
    public async Task<bool> EvaluateAsync(AutoscaleTargetRecord record, ScalingPolicy policy, FleetSnapshot fleet, string holder, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        LastEvaluatedAt = now;
        IScalingProvider provider;
        int current;
        try
        {
            provider = await providers.ForAsync(policy, record.Replicas);
            current = await provider.GetReplicasAsync(ct);
        }
        catch (ScalingProviderException ex)
        {
            logger.LogError("The provider of {Target} is not usable: {Reason}", target, ex.Message);
            return await store.Autoscale.SaveEvaluationAsync(target, holder,
                new AutoscaleEvaluation(now, record.Replicas ?? 0, record.State ?? "", $"provider not usable: {ex.Message}", record.ForecastReplicas), null, ct);
        }
        var observed = await fleetReadings.ForAsync(policy, fleet, current, options.MaxPollWait, ct);

        var readings = observed.Readings;
        IReadOnlyList<string> notes = [];
        string? held = null;
        var detected = new List<Anomaly>();
        if (policy.Anomaly.Enabled)
        {
            if (_detector is null || _detectorSettings != policy.Anomaly)
            {
                _detector = new AnomalyDetector(AnomalyThresholds.From(policy.Anomaly));
                _detectorSettings = policy.Anomaly;
            }
            var outcome = _detector.Evaluate(new AnomalyInput(now, readings)
            {
                Tenants = observed.Tenants,
                Requests = policy.Target.Component == TargetComponent.Api ? requests.LastMinute(now) : [],
                Scales = policy.Triggers.ToDictionary(t => t.ReadingKey, t => t.Threshold, StringComparer.Ordinal),
                Slots = observed.Slots,
            });
            readings = outcome.Readings;
            notes = outcome.Notes;
            held = outcome.ScaleUpHeld;
            detected.AddRange(outcome.Detected);
        }

        int? forecast = null;
        string? forecastNote = null;
        if (policy.Predictive.Mode != PredictiveMode.Off)
        {
            var lead = LeadTime(policy, provider);
            var plan = await demand.PlanAsync(policy, DemandHistoryBucketsAhead(lead), lead, ct);
            forecast = plan.ReplicasNow;
            forecastNote = plan.Note;
        }

        var state = record.State is { Length: > 0 } text ? JsonSerializer.Deserialize<ScalingState>(text, Json) ?? ScalingState.Empty : ScalingState.Empty;
        var decision = ScalingEngine.Decide(policy, state, new ScalingInput(current, readings, now)
        {
            ForecastReplicas = forecast,
            ForecastNote = forecastNote,
            AnomalyNotes = notes,
            ScaleUpHeld = held,
        });

        if (detected.Count > 0) await events.AnomaliesAsync(target, detected, ct);

        if (record.Paused)
        {
            var pausedNote = decision.Changes ? $"paused: would go {decision.From} → {decision.To} ({decision.Explanation})" : $"paused: {decision.Explanation}";
            return await store.Autoscale.SaveEvaluationAsync(target, holder, new AutoscaleEvaluation(now, current, record.State ?? "", pausedNote, forecast), null, ct);
        }

        if (decision.Changes)
        {
            try
            {
                await provider.SetReplicasAsync(decision.To, ct);
            }
            catch (ScalingProviderException ex)
            {
                logger.LogError("Scaling {Target} from {From} to {To} through {Provider} failed: {Reason}", target, decision.From, decision.To, provider.Description, ex.Message);
                // The engine's state is not kept, so the next evaluation decides again.
                return await store.Autoscale.SaveEvaluationAsync(target, holder,
                    new AutoscaleEvaluation(now, current, record.State ?? "", $"provider failed ({ex.Message}); wanted {decision.From} → {decision.To}: {decision.Explanation}", forecast), null, ct);
            }
            logger.LogInformation("Scaled {Target} {From} → {To}: {Explanation}", target, decision.From, decision.To, decision.Explanation);
        }

        var newState = JsonSerializer.Serialize(decision.State, Json);
        var recorded = decision.Changes
            ? new NewAutoscaleDecision(target, now, decision.From, decision.To, decision.Rule, decision.Explanation,
                JsonSerializer.Serialize(decision.Triggers, Json), forecast, holder)
            : null;
        var saved = await store.Autoscale.SaveEvaluationAsync(target, holder, new AutoscaleEvaluation(now, decision.To, newState, decision.Explanation, forecast), recorded, ct);
        if (saved && recorded is not null) await events.ScaledAsync(recorded, ct);
        return saved;
    }

    /// <summary>The lead time: the policy's, else the measured time an agent takes to be ready (a minute until measured) plus one evaluation.</summary>
    public static TimeSpan LeadTime(ScalingPolicy policy, IScalingProvider? provider) =>
        policy.Predictive.LeadTime ?? (provider?.MeasuredReadyTime ?? TimeSpan.FromMinutes(1)) + policy.EvaluationInterval;

    private static TimeSpan DemandHistoryBucketsAhead(TimeSpan lead) => lead + TimeSpan.FromMinutes(10);
}
