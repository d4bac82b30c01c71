using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Sqlite;

internal sealed partial class SqliteAutoscaleStore(SqliteDatabase database) : IAutoscaleStore
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
        database.WriteAsync((connection, transaction) => connection.ExecuteAsync(Sql.Command(
            """
            INSERT INTO autoscale_targets (target, name, policy_yaml, provider, applied_at) VALUES (@Target, @Name, @PolicyYaml, @Provider, @AppliedAt)
            ON CONFLICT (target) DO UPDATE SET name = excluded.name, policy_yaml = excluded.policy_yaml,
                provider = excluded.provider, applied_at = excluded.applied_at;
            """,
            new { policy.Target, policy.Name, policy.PolicyYaml, policy.Provider, AppliedAt = StoredTime.ToMs(policy.AppliedAt) }, transaction, cancellationToken)),
            cancellationToken);

    public Task<bool> DeletePolicyAsync(string target, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) => await connection.ExecuteAsync(Sql.Command(
            "DELETE FROM autoscale_targets WHERE target = @target;", new { target }, transaction, cancellationToken)) > 0, cancellationToken);

    public Task<IReadOnlyList<AutoscaleTargetRecord>> ListTargetsAsync(CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<AutoscaleTargetRecord>>(async connection =>
        {
            var rows = await connection.QueryAsync<TargetRow>(Sql.Command($"SELECT {TargetColumns} FROM autoscale_targets ORDER BY target;", null, cancellationToken));
            return [.. rows.Select(r => r.ToRecord())];
        }, cancellationToken);

    public Task<AutoscaleTargetRecord?> GetTargetAsync(string target, CancellationToken cancellationToken) =>
        database.ReadAsync(async connection => (await connection.QuerySingleOrDefaultAsync<TargetRow>(Sql.Command(
            $"SELECT {TargetColumns} FROM autoscale_targets WHERE target = @target;", new { target }, cancellationToken)))?.ToRecord(), cancellationToken);

    public Task<bool> SetPausedAsync(string target, bool paused, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) => await connection.ExecuteAsync(Sql.Command(
            "UPDATE autoscale_targets SET paused = @paused, paused_at = CASE WHEN @paused THEN @now ELSE NULL END WHERE target = @target;",
            new { target, paused, now = StoredTime.ToMs(now) }, transaction, cancellationToken)) > 0, cancellationToken);

    public Task<bool> TryAcquireLeaseAsync(string target, string holder, DateTimeOffset now, TimeSpan ttl, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) => await connection.ExecuteAsync(Sql.Command(
            """
            UPDATE autoscale_targets SET lease_holder = @holder, lease_until = @until
            WHERE target = @target AND (lease_holder IS NULL OR lease_holder = @holder OR lease_until IS NULL OR lease_until <= @now);
            """,
            new { target, holder, now = StoredTime.ToMs(now), until = StoredTime.ToMs(now + ttl) }, transaction, cancellationToken)) > 0, cancellationToken);

    public Task ReleaseLeaseAsync(string target, string holder, CancellationToken cancellationToken) =>
        database.WriteAsync((connection, transaction) => connection.ExecuteAsync(Sql.Command(
            "UPDATE autoscale_targets SET lease_holder = NULL, lease_until = NULL WHERE target = @target AND lease_holder = @holder;",
            new { target, holder }, transaction, cancellationToken)), cancellationToken);

    public Task<bool> SaveEvaluationAsync(string target, string holder, AutoscaleEvaluation evaluation, NewAutoscaleDecision? decision, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var saved = await connection.ExecuteAsync(Sql.Command(
                """
                UPDATE autoscale_targets SET replicas = @Replicas, state = @State, last_explanation = @Explanation,
                    forecast_replicas = @ForecastReplicas, evaluated_at = @At
                WHERE target = @target AND lease_holder = @holder;
                """,
                new { target, holder, evaluation.Replicas, evaluation.State, evaluation.Explanation, evaluation.ForecastReplicas, At = StoredTime.ToMs(evaluation.At) },
                transaction, cancellationToken));
            if (saved == 0) return false;
            if (decision is not null)
            {
                await connection.ExecuteAsync(Sql.Command(
                    """
                    INSERT INTO autoscale_decisions (target, at, from_replicas, to_replicas, rule, explanation, triggers, forecast_replicas, replica)
                    VALUES (@Target, @At, @FromReplicas, @ToReplicas, @Rule, @Explanation, @Triggers, @ForecastReplicas, @Replica);
                    """,
                    new
                    {
                        decision.Target, At = StoredTime.ToMs(decision.At), decision.FromReplicas, decision.ToReplicas, decision.Rule,
                        decision.Explanation, decision.Triggers, decision.ForecastReplicas, decision.Replica,
                    }, transaction, cancellationToken));
            }
            return true;
        }, cancellationToken);

    public Task<IReadOnlyList<AutoscaleDecisionRecord>> ListDecisionsAsync(string? target, long? beforeId, int limit, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<AutoscaleDecisionRecord>>(async connection =>
        {
            var rows = await connection.QueryAsync<DecisionRow>(Sql.Command(
                $"""
                SELECT {DecisionColumns} FROM autoscale_decisions
                WHERE (@target IS NULL OR target = @target) AND (@beforeId IS NULL OR id < @beforeId)
                ORDER BY id DESC LIMIT @limit;
                """,
                new { target, beforeId, limit }, cancellationToken));
            return [.. rows.Select(r => r.ToRecord())];
        }, cancellationToken);

    public Task AddAnomaliesAsync(IReadOnlyList<NewAnomaly> anomalies, CancellationToken cancellationToken) =>
        anomalies.Count == 0 ? Task.CompletedTask : database.WriteAsync((connection, transaction) => connection.ExecuteAsync(Sql.Command(
            """
            INSERT INTO autoscale_anomalies (target, at, kind, subject, value, usual, score, detail)
            VALUES (@Target, @At, @Kind, @Subject, @Value, @Usual, @Score, @Detail);
            """,
            anomalies.Select(a => new { a.Target, At = StoredTime.ToMs(a.At), a.Kind, a.Subject, a.Value, a.Usual, Score = Finite(a.Score), a.Detail }),
            transaction, cancellationToken)), cancellationToken);

    public Task<IReadOnlyList<AnomalyRecord>> ListAnomaliesAsync(long? beforeId, int limit, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<AnomalyRecord>>(async connection =>
        {
            var rows = await connection.QueryAsync<AnomalyRow>(Sql.Command(
                $"SELECT {AnomalyColumns} FROM autoscale_anomalies WHERE (@beforeId IS NULL OR id < @beforeId) ORDER BY id DESC LIMIT @limit;",
                new { beforeId, limit }, cancellationToken));
            return [.. rows.Select(r => r.ToRecord())];
        }, cancellationToken);

    public Task<int> TrimHistoryAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var cutoff = StoredTime.ToMs(before);
            return await connection.ExecuteAsync(Sql.Command("DELETE FROM autoscale_decisions WHERE at < @cutoff;", new { cutoff }, transaction, cancellationToken))
                + await connection.ExecuteAsync(Sql.Command("DELETE FROM autoscale_anomalies WHERE at < @cutoff;", new { cutoff }, transaction, cancellationToken));
        }, cancellationToken);

    // An infinite score (no history to compare with) is stored as the largest finite one.
    internal static double Finite(double value) => double.IsFinite(value) ? value : double.MaxValue;

    private sealed class TargetRow
    {
        public string Target { get; set; } = "";
        public string Name { get; set; } = "";
        public string PolicyYaml { get; set; } = "";
        public string Provider { get; set; } = "";
        public long AppliedAt { get; set; }
        public long Paused { get; set; }
        public long? PausedAt { get; set; }
        public long? Replicas { get; set; }
        public string? State { get; set; }
        public string? LastExplanation { get; set; }
        public long? ForecastReplicas { get; set; }
        public long? EvaluatedAt { get; set; }
        public string? LeaseHolder { get; set; }
        public long? LeaseUntil { get; set; }

        public AutoscaleTargetRecord ToRecord() => new(Target, Name, PolicyYaml, Provider, StoredTime.FromMs(AppliedAt), Paused != 0,
            StoredTime.FromMs(PausedAt), (int?)Replicas, State, LastExplanation, (int?)ForecastReplicas, StoredTime.FromMs(EvaluatedAt),
            LeaseHolder, StoredTime.FromMs(LeaseUntil));
    }

    private sealed class DecisionRow
    {
        public long Id { get; set; }
        public string Target { get; set; } = "";
        public long At { get; set; }
        public long FromReplicas { get; set; }
        public long ToReplicas { get; set; }
        public string Rule { get; set; } = "";
        public string Explanation { get; set; } = "";
        public string Triggers { get; set; } = "";
        public long? ForecastReplicas { get; set; }
        public string Replica { get; set; } = "";

        public AutoscaleDecisionRecord ToRecord() => new(Id, Target, StoredTime.FromMs(At), (int)FromReplicas, (int)ToReplicas, Rule, Explanation,
            Triggers, (int?)ForecastReplicas, Replica);
    }

    private sealed class AnomalyRow
    {
        public long Id { get; set; }
        public string Target { get; set; } = "";
        public long At { get; set; }
        public string Kind { get; set; } = "";
        public string Subject { get; set; } = "";
        public double Value { get; set; }
        public double Usual { get; set; }
        public double Score { get; set; }
        public string Detail { get; set; } = "";

        public AnomalyRecord ToRecord() => new(Id, Target, StoredTime.FromMs(At), Kind, Subject, Value, Usual, Score, Detail);
    }
}
