using System.Text.Json;
using System.Text.Json.Serialization;

namespace Baton.Core.Api;

/// <summary>
/// One item to add to a work-item queue. <see cref="Reference"/>: unique in its queue (a second item with it is
/// refused); <see cref="Priority"/> -100..100, higher first; <see cref="Deadline"/>: the SLA, counted as missed when
/// the item finishes (or is still open) after it; <see cref="MaxAttempts"/>: attempts before an application failure
/// is final (default 3).
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record NewWorkItemRequest(
    JsonElement? Payload = null,
    string? Reference = null,
    int? Priority = null,
    DateTimeOffset? Deadline = null,
    int? MaxAttempts = null);

/// <summary><c>POST /api/v1/workitem-queues/{queue}/items</c>: up to <see cref="MaxItems"/> items, all added or none.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record AddWorkItemsRequest(IReadOnlyList<NewWorkItemRequest>? Items)
{
    public const int MaxItems = 1_000;
}

public sealed record AddWorkItemsResponse(IReadOnlyList<WorkItemDto> Items);

/// <summary>
/// A work item. <see cref="State"/>: pending, in_progress, done or failed; <see cref="FailureKind"/>: business (never
/// retried) or application (retried while attempts remain); <see cref="JobId"/>: the job holding it now or last.
/// <see cref="History"/> only on a single item's read.
/// </summary>
public sealed record WorkItemDto(
    string Id,
    string Queue,
    string? Reference,
    string State,
    int Priority,
    JsonElement Payload,
    DateTimeOffset? Deadline,
    bool SlaMissed,
    int Attempts,
    int MaxAttempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    JsonElement? Output,
    string? Error,
    string? FailureKind,
    string? JobId,
    string? AddedByJob,
    DateTimeOffset? LeaseExpiresAt,
    IReadOnlyList<WorkItemEventDto>? History = null);

/// <summary>One step of an item's life: added, claimed, done, failed, retry, lease_expired, released.</summary>
public sealed record WorkItemEventDto(DateTimeOffset At, string Type, int Attempt, string? JobId, string? Detail);

/// <summary>A queue's counts. <see cref="Retries"/>: attempts beyond each item's first; <see cref="SlaMissed"/>: past their deadline.</summary>
public sealed record WorkItemQueueDto(
    string Name, long Pending, long InProgress, long Done, long Failed, long BusinessFailures, long SlaMissed, long Retries,
    DateTimeOffset? OldestPendingAt);

// ---- the job's channel (agent protocol): what a running job asks for through its agent ----

/// <summary>Lease the queue's next item to the calling job attempt.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ClaimWorkItemRequest(int Attempt, string? Queue);

/// <summary><see cref="Item"/> null: nothing waits. The agent renews the job's leases every third of <see cref="LeaseSeconds"/>.</summary>
public sealed record ClaimWorkItemResponse(WorkItemDto? Item, string? LeaseToken, double LeaseSeconds);

/// <summary><see cref="Outcome"/>: <c>done</c> or <c>failed</c>; a failure with <see cref="Business"/> is never retried.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CompleteWorkItemRequest(int Attempt, string? LeaseToken, string? Outcome, JsonElement? Output = null, string? Reason = null, bool Business = false);

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record AddJobWorkItemsRequest(int Attempt, string? Queue, IReadOnlyList<NewWorkItemRequest>? Items);

/// <summary>The job attempt calling (lease renewal and release by its agent).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record JobAttemptRequest(int Attempt);

public sealed record WorkItemLeasesResponse(int Items, double LeaseSeconds);

/// <summary>A running job starts a child job in its own tenant (the depth limit applies).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SubmitChildJobRequest(
    int Attempt, string? Package, string? Version = null, Dictionary<string, JsonElement>? Inputs = null, string? Queue = null,
    int? Priority = null, string? IdempotencyKey = null);

/// <summary>Waits up to <see cref="TimeoutSeconds"/> (at most 30) for the child to end.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record WaitChildJobRequest(int Attempt, double? TimeoutSeconds = null);

/// <summary>The child job as it is now, and how deep it is (the first job's children are at depth 1).</summary>
public sealed record ChildJobDto(JobDto Job, int Depth);
