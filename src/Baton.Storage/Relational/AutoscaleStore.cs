using Baton.Storage.Model;

namespace Baton.Storage.Relational;

/// <summary>
/// The autoscaler's state: installation-wide rows, in the system scope (on PostgreSQL only the system scope
/// sees them; see migration 015_autoscale). <c>AutoscaleStore.Fleet.cs</c>: the fleet-wide reads.
/// </summary>
internal sealed partial class AutoscaleStore(IStoreDatabase database) : IAutoscaleStore
{
    private const string TargetColumns =
        "target AS Target, name AS Name, policy_yaml AS PolicyYaml, provider AS Provider, applied_at AS AppliedAt, paused AS Paused, " +
        "paused_at AS PausedAt, replicas AS Replicas, state AS State, last_explanation AS LastExplanation, " +
        "forecast_replicas AS ForecastReplicas, evaluated_at AS EvaluatedAt, lease_holder AS LeaseHolder, lease_until AS LeaseUntil";

    private const string DecisionColumns =
        "id AS Id, target AS Target, at AS At, from_replicas AS FromReplicas, to_replicas AS ToReplicas, rule AS Rule, " +
        "explanation AS Explanation, triggers AS Triggers, forecast_replicas AS ForecastReplicas, replica AS Replica";

    private const string AnomalyColumns =
        "id AS Id, target AS Target, at AS At, kind AS Kind, subject AS Subject, value AS Value, usual AS Usual, score AS Score, detail AS Detail";

    public Task UpsertPolicyAsync(NewAutoscalePolicy policy, CancellationToken cancellationToken) =>
        database.SystemWriteAsync(session => session.ExecuteAsync(
            """
            INSERT INTO autoscale_targets (target, name, policy_yaml, provider, applied_at) VALUES (@Target, @Name, @PolicyYaml, @Provider, @AppliedAt)
            ON CONFLICT (target) DO UPDATE SET name = excluded.name, policy_yaml = excluded.policy_yaml,
                provider = excluded.provider, applied_at = excluded.applied_at;
            """,
            new { policy.Target, policy.Name, policy.PolicyYaml, policy.Provider, policy.AppliedAt }), cancellationToken);

    public Task<bool> DeletePolicyAsync(string target, CancellationToken cancellationToken) =>
        database.SystemWriteAsync(async session => await session.ExecuteAsync(
            "DELETE FROM autoscale_targets WHERE target = @target;", new { target }) > 0, cancellationToken);

    public Task<IReadOnlyList<AutoscaleTargetRecord>> ListTargetsAsync(CancellationToken cancellationToken) =>
        database.SystemReadAsync<IReadOnlyList<AutoscaleTargetRecord>>(async session =>
            [.. (await session.QueryAsync<TargetRow>($"SELECT {TargetColumns} FROM autoscale_targets ORDER BY target;")).Select(r => r.ToRecord())],
            cancellationToken);

    public Task<AutoscaleTargetRecord?> GetTargetAsync(string target, CancellationToken cancellationToken) =>
        database.SystemReadAsync(async session => (await session.QuerySingleOrDefaultAsync<TargetRow>(
            $"SELECT {TargetColumns} FROM autoscale_targets WHERE target = @target;", new { target }))?.ToRecord(), cancellationToken);

    public Task<bool> SetPausedAsync(string target, bool paused, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.SystemWriteAsync(async session => await session.ExecuteAsync(
            "UPDATE autoscale_targets SET paused = @paused, paused_at = CASE WHEN @paused THEN @now ELSE NULL END WHERE target = @target;",
            new { target, paused, now }) > 0, cancellationToken);

    public Task<bool> TryAcquireLeaseAsync(string target, string holder, DateTimeOffset now, TimeSpan ttl, CancellationToken cancellationToken) =>
        database.SystemWriteAsync(async session => await session.ExecuteAsync(
            """
            UPDATE autoscale_targets SET lease_holder = @holder, lease_until = @until
            WHERE target = @target AND (lease_holder IS NULL OR lease_holder = @holder OR lease_until IS NULL OR lease_until <= @now);
            """,
            new { target, holder, now, until = now + ttl }) > 0, cancellationToken);

    public Task ReleaseLeaseAsync(string target, string holder, CancellationToken cancellationToken) =>
        database.SystemWriteAsync(session => session.ExecuteAsync(
            "UPDATE autoscale_targets SET lease_holder = NULL, lease_until = NULL WHERE target = @target AND lease_holder = @holder;",
            new { target, holder }), cancellationToken);

    public Task<bool> SaveEvaluationAsync(string target, string holder, AutoscaleEvaluation evaluation, NewAutoscaleDecision? decision, CancellationToken cancellationToken) =>
        database.SystemWriteAsync(async session =>
        {
            var saved = await session.ExecuteAsync(
                """
                UPDATE autoscale_targets SET replicas = @Replicas, state = @State, last_explanation = @Explanation,
                    forecast_replicas = @ForecastReplicas, evaluated_at = @At
                WHERE target = @target AND lease_holder = @holder;
                """,
                new { target, holder, evaluation.Replicas, evaluation.State, evaluation.Explanation, evaluation.ForecastReplicas, evaluation.At });
            if (saved == 0) return false;
            if (decision is not null)
            {
                await session.ExecuteAsync(
                    """
                    INSERT INTO autoscale_decisions (target, at, from_replicas, to_replicas, rule, explanation, triggers, forecast_replicas, replica)
                    VALUES (@Target, @At, @FromReplicas, @ToReplicas, @Rule, @Explanation, @Triggers, @ForecastReplicas, @Replica);
                    """,
                    new
                    {
                        decision.Target, decision.At, decision.FromReplicas, decision.ToReplicas, decision.Rule,
                        decision.Explanation, Triggers = new JsonText(decision.Triggers), decision.ForecastReplicas, decision.Replica,
                    });
            }
            return true;
        }, cancellationToken);

    public Task<IReadOnlyList<AutoscaleDecisionRecord>> ListDecisionsAsync(string? target, long? beforeId, int limit, CancellationToken cancellationToken) =>
        database.SystemReadAsync<IReadOnlyList<AutoscaleDecisionRecord>>(async session => [.. (await session.QueryAsync<DecisionRow>(
            $"""
            SELECT {DecisionColumns} FROM autoscale_decisions
            WHERE (CAST(@target AS text) IS NULL OR target = @target) AND (CAST(@beforeId AS bigint) IS NULL OR id < @beforeId)
            ORDER BY id DESC LIMIT @limit;
            """,
            new { target, beforeId, limit })).Select(r => r.ToRecord())], cancellationToken);

    public Task AddAnomaliesAsync(IReadOnlyList<NewAnomaly> anomalies, CancellationToken cancellationToken) =>
        anomalies.Count == 0 ? Task.CompletedTask : database.SystemWriteAsync(async session =>
        {
            // One statement per row: PostgreSQL's scope travels with the first command's parameters, which a list parameter cannot carry.
            foreach (var a in anomalies)
            {
                await session.ExecuteAsync(
                    """
                    INSERT INTO autoscale_anomalies (target, at, kind, subject, value, usual, score, detail)
                    VALUES (@Target, @At, @Kind, @Subject, @Value, @Usual, @Score, @Detail);
                    """,
                    new { a.Target, a.At, a.Kind, a.Subject, a.Value, a.Usual, Score = Finite(a.Score), a.Detail });
            }
        }, cancellationToken);

    public Task<IReadOnlyList<AnomalyRecord>> ListAnomaliesAsync(long? beforeId, int limit, CancellationToken cancellationToken) =>
        database.SystemReadAsync<IReadOnlyList<AnomalyRecord>>(async session => [.. (await session.QueryAsync<AnomalyRow>(
            $"SELECT {AnomalyColumns} FROM autoscale_anomalies WHERE (CAST(@beforeId AS bigint) IS NULL OR id < @beforeId) ORDER BY id DESC LIMIT @limit;",
            new { beforeId, limit })).Select(r => r.ToRecord())], cancellationToken);

    public Task<int> TrimHistoryAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        database.SystemWriteAsync(async session =>
            await session.ExecuteAsync("DELETE FROM autoscale_decisions WHERE at < @before;", new { before })
            + await session.ExecuteAsync("DELETE FROM autoscale_anomalies WHERE at < @before;", new { before }), cancellationToken);

    // An infinite score (no history to compare with) is stored as the largest finite one.
    internal static double Finite(double value) => double.IsFinite(value) ? value : double.MaxValue;

    private sealed class TargetRow
    {
        public string Target { get; set; } = "";
        public string Name { get; set; } = "";
        public string PolicyYaml { get; set; } = "";
        public string Provider { get; set; } = "";
        public DateTimeOffset AppliedAt { get; set; }
        public bool Paused { get; set; }
        public DateTimeOffset? PausedAt { get; set; }
        public int? Replicas { get; set; }
        public string? State { get; set; }
        public string? LastExplanation { get; set; }
        public int? ForecastReplicas { get; set; }
        public DateTimeOffset? EvaluatedAt { get; set; }
        public string? LeaseHolder { get; set; }
        public DateTimeOffset? LeaseUntil { get; set; }

        public AutoscaleTargetRecord ToRecord() => new(Target, Name, PolicyYaml, Provider, AppliedAt, Paused,
            PausedAt, Replicas, State, LastExplanation, ForecastReplicas, EvaluatedAt, LeaseHolder, LeaseUntil);
    }

    private sealed class DecisionRow
    {
        public long Id { get; set; }
        public string Target { get; set; } = "";
        public DateTimeOffset At { get; set; }
        public int FromReplicas { get; set; }
        public int ToReplicas { get; set; }
        public string Rule { get; set; } = "";
        public string Explanation { get; set; } = "";
        public string Triggers { get; set; } = "";
        public int? ForecastReplicas { get; set; }
        public string Replica { get; set; } = "";

        public AutoscaleDecisionRecord ToRecord() => new(Id, Target, At, FromReplicas, ToReplicas, Rule, Explanation, Triggers, ForecastReplicas, Replica);
    }

    private sealed class AnomalyRow
    {
        public long Id { get; set; }
        public string Target { get; set; } = "";
        public DateTimeOffset At { get; set; }
        public string Kind { get; set; } = "";
        public string Subject { get; set; } = "";
        public double Value { get; set; }
        public double Usual { get; set; }
        public double Score { get; set; }
        public string Detail { get; set; } = "";

        public AnomalyRecord ToRecord() => new(Id, Target, At, Kind, Subject, Value, Usual, Score, Detail);
    }
}
