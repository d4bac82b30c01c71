using Baton.Core.Jobs;

namespace Baton.Storage.Model;

/// <summary>
/// A work-item queue's trigger: while at least <see cref="MinItems"/> items wait, the server keeps up to
/// <see cref="MaxJobs"/> jobs of the package active for the queue. <see cref="Id"/> is new each time a trigger is
/// created (not when it is changed) and is part of its jobs' idempotency keys.
/// </summary>
public sealed record WorkItemTriggerRecord
{
    public required string TenantId { get; init; }
    public required string Queue { get; init; }
    public required string Id { get; init; }
    public required string PackageName { get; init; }
    /// <summary>Null: the latest version when each job starts.</summary>
    public string? PackageVersion { get; init; }
    public required int MaxJobs { get; init; }
    public required int MinItems { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? LastStartedAt { get; init; }
    /// <summary>Why the last start was refused (package gone, backlog full), until a start succeeds.</summary>
    public string? LastError { get; init; }
    public DateTimeOffset? LastErrorAt { get; init; }
}

/// <summary>
/// One slot of a trigger: the job its latest generation started, with that job's state and end (null state: the job is
/// gone). A trigger with max N uses slots 0..N-1; a slot is refilled only once its job has ended.
/// </summary>
public sealed record WorkItemTriggerSlot(int Slot, long Generation, string JobId, JobState? JobState, DateTimeOffset? JobFinishedAt)
{
    public bool Active => JobState is { } state && !state.IsTerminal();
}

/// <summary>A trigger whose queue has enough items waiting and fewer active jobs than its maximum (the scheduler's to-do).</summary>
public sealed record WorkItemTriggerDemand(WorkItemTriggerRecord Trigger, long Pending, IReadOnlyList<WorkItemTriggerSlot> Slots);

/// <summary>The compare-and-set that gives a slot its next job.</summary>
public sealed record WorkItemTriggerStart(string TenantId, string Queue, string TriggerId, int Slot, long ExpectedGeneration, string JobId);
