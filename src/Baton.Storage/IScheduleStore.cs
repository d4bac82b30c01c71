using Baton.Storage.Model;

namespace Baton.Storage;

/// <summary>
/// Schedules and their run state. Exactly one job per fire comes from two rules: the job of a fire is
/// submitted with <see cref="ScheduleRecord.IdempotencyKeyFor"/> (the job store dedupes keys per
/// tenant), and <see cref="AdvanceAsync"/> is a compare-and-set on the fire time it expects.
/// </summary>
public interface IScheduleStore
{
    /// <summary>Creates the schedule unless its name is taken or the tenant already has <paramref name="maxSchedules"/> (checked atomically).</summary>
    Task<ScheduleWriteResult> CreateAsync(ScheduleRecord schedule, int maxSchedules, CancellationToken cancellationToken);
    /// <summary>By id, else by name.</summary>
    Task<ScheduleRecord?> GetAsync(string tenantId, string idOrName, CancellationToken cancellationToken);
    /// <summary>By name.</summary>
    Task<IReadOnlyList<ScheduleRecord>> ListAsync(string tenantId, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the definition and the operator-controlled state (paused, reason, failure count, next and
    /// queued fire) of an existing schedule; the run state (last fire, last job) is left alone.
    /// </summary>
    Task<ScheduleWriteResult> UpdateAsync(ScheduleRecord schedule, CancellationToken cancellationToken);
    Task<bool> DeleteAsync(string tenantId, string id, CancellationToken cancellationToken);

    /// <summary>
    /// Across tenants: claims up to <paramref name="limit"/> unpaused schedules that are due at
    /// <paramref name="now"/> (or hold a queued fire) and not claimed by another scheduler, for
    /// <paramref name="claimFor"/>. On PostgreSQL with <c>FOR UPDATE SKIP LOCKED</c>.
    /// </summary>
    Task<IReadOnlyList<ScheduleRecord>> ClaimDueAsync(DateTimeOffset now, TimeSpan claimFor, int limit, CancellationToken cancellationToken);

    /// <summary>Moves the schedule on when its next fire is still <see cref="ScheduleAdvance.ExpectedNextFireAt"/>; releases the claim. False when another writer got there first.</summary>
    Task<bool> AdvanceAsync(ScheduleAdvance advance, CancellationToken cancellationToken);

    /// <summary>Across tenants: schedules whose last job has ended and has not been counted yet.</summary>
    Task<IReadOnlyList<SettledScheduleRun>> ListSettledRunsAsync(int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Counts a run: a failure adds one to the consecutive failures, a success resets them. With a
    /// <paramref name="jobId"/> only while it is the uncounted last job (so it counts once); without,
    /// a fire whose submission was refused. Returns the schedule after the write, or null when nothing was counted.
    /// </summary>
    Task<ScheduleRecord?> RecordRunAsync(string tenantId, string scheduleId, string? jobId, bool failed, CancellationToken cancellationToken);

    /// <summary>Unpaused schedules with a fire due by <paramref name="until"/>: of one tenant, or of every tenant when <paramref name="tenantId"/> is null.</summary>
    Task<IReadOnlyList<ScheduleRecord>> ListDueByAsync(string? tenantId, DateTimeOffset until, CancellationToken cancellationToken);
}
