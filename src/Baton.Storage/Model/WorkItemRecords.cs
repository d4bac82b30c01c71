using System.Text.Json;

namespace Baton.Storage.Model;

/// <summary>Where a work item is: waiting, leased to a job, or settled (done, or failed for good).</summary>
public enum WorkItemState
{
    Pending,
    InProgress,
    Done,
    Failed,
}

/// <summary>The stable text of each state, as stored and as the API shows it.</summary>
public static class WorkItemStates
{
    public static string ToText(this WorkItemState state) => state switch
    {
        WorkItemState.Pending => "pending",
        WorkItemState.InProgress => "in_progress",
        WorkItemState.Done => "done",
        WorkItemState.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    public static WorkItemState Parse(string text) => text switch
    {
        "pending" => WorkItemState.Pending,
        "in_progress" => WorkItemState.InProgress,
        "done" => WorkItemState.Done,
        "failed" => WorkItemState.Failed,
        _ => throw new InvalidDataException($"Unknown work-item state '{text}'."),
    };

    public static bool TryParse(string? text, out WorkItemState state)
    {
        state = default;
        if (text is not ("pending" or "in_progress" or "done" or "failed")) return false;
        state = Parse(text);
        return true;
    }
}

/// <summary>An item to add: <paramref name="AddedByJob"/> names the job that added it (null: the API).</summary>
public sealed record NewWorkItem(
    string Id, string TenantId, string Queue, string? Reference, int Priority, JsonElement Payload, DateTimeOffset? DeadlineAt, int MaxAttempts,
    string? AddedByJob = null);

public sealed record WorkItemRecord
{
    public required string Id { get; init; }
    public required string TenantId { get; init; }
    public required string Queue { get; init; }
    public string? Reference { get; init; }
    public required WorkItemState State { get; init; }
    public required int Priority { get; init; }
    public required JsonElement Payload { get; init; }
    public DateTimeOffset? DeadlineAt { get; init; }
    /// <summary>Attempts started (a claim counts one).</summary>
    public required int Attempts { get; init; }
    public required int MaxAttempts { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public string? AddedByJob { get; init; }
    /// <summary>When the current or last attempt started.</summary>
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public JsonElement? Output { get; init; }
    public string? Error { get; init; }
    /// <summary><c>business</c> (the item is wrong: never retried) or <c>application</c> (something broke: retried while attempts remain).</summary>
    public string? FailureKind { get; init; }
    /// <summary>The job holding the item now, or the last one that held it.</summary>
    public string? JobId { get; init; }
    public DateTimeOffset? LeaseExpiresAt { get; init; }

    /// <summary>Finished after its deadline, or still open past it.</summary>
    public bool SlaMissed(DateTimeOffset now) =>
        DeadlineAt is { } deadline && (FinishedAt is { } finished ? finished > deadline : now > deadline);
}

/// <summary>One step of an item's history (its addition is the item's own <c>CreatedAt</c>).</summary>
public sealed record WorkItemEvent(DateTimeOffset At, string Type, int Attempt, string? JobId, string? Detail);

/// <summary>The job attempt that holds (or asks for) items: leases are renewed and released per holder.</summary>
public sealed record WorkItemHolder(string JobId, int JobAttempt);

/// <summary>A leased item and the token that fences its completion.</summary>
public sealed record ClaimedWorkItem(WorkItemRecord Item, string LeaseToken);

/// <summary>The items added, or (nothing added) the references that already exist in the queue.</summary>
public sealed record WorkItemAddOutcome(IReadOnlyList<WorkItemRecord> Added, IReadOnlyList<string> DuplicateReferences);

/// <summary>How an attempt on an item ended.</summary>
public enum WorkItemFinish
{
    Done,
    /// <summary>The item itself is wrong (bad data, a rule it breaks): failed at once, never retried.</summary>
    BusinessFailure,
    /// <summary>Something broke while working on it: back to the queue while attempts remain.</summary>
    ApplicationFailure,
}

public sealed record WorkItemCompletion(
    string TenantId, string ItemId, WorkItemHolder Holder, string LeaseToken, WorkItemFinish Finish, JsonElement? Output, string? Error);

public enum WorkItemCompleteResult
{
    Ok,
    /// <summary>The item is no longer leased with this token to this job (its lease expired and it moved on).</summary>
    LeaseLost,
    NotFound,
}

/// <summary>Counts of one queue. <see cref="Retries"/>: attempts beyond each item's first.</summary>
public sealed record WorkItemQueueStats(
    string Queue, long Pending, long InProgress, long Done, long Failed, long BusinessFailures, long SlaMissed, long Retries,
    DateTimeOffset? OldestPendingAt);

/// <summary>Waiting items of one tenant's queue (the autoscaler's and the metrics' view).</summary>
public sealed record WorkItemDepth(string TenantId, string Queue, long Pending);
