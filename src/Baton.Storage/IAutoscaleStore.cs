using Baton.Storage.Model;

namespace Baton.Storage;

/// <summary>
/// The autoscaler's installation-wide state (no tenant owns it; every call is in the system scope): the
/// applied policies per target with their pause flag, the lease that lets one replica act per target, the
/// engine's state, the recorded decisions and anomalies, and the fleet-wide reads it decides from.
/// </summary>
public interface IAutoscaleStore
{
    /// <summary>Adds or replaces a target's policy; its pause flag, state and lease are kept.</summary>
    Task UpsertPolicyAsync(NewAutoscalePolicy policy, CancellationToken cancellationToken);

    Task<bool> DeletePolicyAsync(string target, CancellationToken cancellationToken);

    Task<IReadOnlyList<AutoscaleTargetRecord>> ListTargetsAsync(CancellationToken cancellationToken);

    Task<AutoscaleTargetRecord?> GetTargetAsync(string target, CancellationToken cancellationToken);

    /// <summary>Pauses or resumes a target; false when it has no policy.</summary>
    Task<bool> SetPausedAsync(string target, bool paused, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Takes or renews the target's lease for <paramref name="holder"/> until <c>now + ttl</c>: true when the
    /// lease was free, expired, or already this holder's. One replica acts per target at a time.
    /// </summary>
    Task<bool> TryAcquireLeaseAsync(string target, string holder, DateTimeOffset now, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Gives the lease up (on shutdown) so another replica takes over at once.</summary>
    Task ReleaseLeaseAsync(string target, string holder, CancellationToken cancellationToken);

    /// <summary>
    /// Saves an evaluation (state, replicas, explanation) and, when the size changed, its decision, in one
    /// transaction fenced by the lease: false (nothing written) when <paramref name="holder"/> no longer holds it.
    /// </summary>
    Task<bool> SaveEvaluationAsync(string target, string holder, AutoscaleEvaluation evaluation, NewAutoscaleDecision? decision, CancellationToken cancellationToken);

    /// <summary>Decisions newest first, optionally of one target, before an id (cursor).</summary>
    Task<IReadOnlyList<AutoscaleDecisionRecord>> ListDecisionsAsync(string? target, long? beforeId, int limit, CancellationToken cancellationToken);

    Task AddAnomaliesAsync(IReadOnlyList<NewAnomaly> anomalies, CancellationToken cancellationToken);

    /// <summary>Anomalies newest first, before an id (cursor).</summary>
    Task<IReadOnlyList<AnomalyRecord>> ListAnomaliesAsync(long? beforeId, int limit, CancellationToken cancellationToken);

    /// <summary>Drops decisions and anomalies older than <paramref name="before"/>.</summary>
    Task<int> TrimHistoryAsync(DateTimeOffset before, CancellationToken cancellationToken);

    /// <summary>
    /// The fleet as the autoscaler sees it: pending and running jobs per tenant and queue (with the queue's
    /// agent groups), each tenant's recent submissions and endings, online agents with their group and load.
    /// </summary>
    Task<FleetSnapshot> ReadFleetAsync(DateTimeOffset now, TimeSpan fastFailure, CancellationToken cancellationToken);

    /// <summary>
    /// Unscheduled demand per 5-minute bucket (by submission time) from <paramref name="from"/>: jobs, how many
    /// finished, and their run seconds. Jobs that schedules fired are left out (they are forecast from the fires).
    /// </summary>
    Task<IReadOnlyList<DemandBucketRow>> ReadDemandAsync(DateTimeOffset from, CancellationToken cancellationToken);

    /// <summary>Mean run time of each tenant's packages over successful runs finished since <paramref name="since"/>.</summary>
    Task<IReadOnlyList<RunTimeRow>> ReadRunTimesAsync(DateTimeOffset since, CancellationToken cancellationToken);
}
