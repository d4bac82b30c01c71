using Baton.Storage.Model;
using Baton.Storage.Serialization;

namespace Baton.Storage.Relational;

/// <summary>A row of <c>work_items</c>, as both backends read it (JSON columns read as text).</summary>
internal sealed class WorkItemRow
{
    public static readonly string Select = Columns.Select(
    [
        "id", "tenant_id", "queue", "reference", "state", "priority", "payload", "deadline_at", "attempts", "max_attempts", "created_at",
        "added_by_job", "started_at", "finished_at", "output", "error", "failure_kind", "job_id", "lease_expires_at",
    ]);

    public string Id { get; set; } = "";
    public string TenantId { get; set; } = "";
    public string Queue { get; set; } = "";
    public string? Reference { get; set; }
    public string State { get; set; } = "";
    public int Priority { get; set; }
    public string Payload { get; set; } = "null";
    public DateTimeOffset? DeadlineAt { get; set; }
    public int Attempts { get; set; }
    public int MaxAttempts { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string? AddedByJob { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public string? Output { get; set; }
    public string? Error { get; set; }
    public string? FailureKind { get; set; }
    public string? JobId { get; set; }
    public DateTimeOffset? LeaseExpiresAt { get; set; }

    public WorkItemRecord ToRecord() => new()
    {
        Id = Id,
        TenantId = TenantId,
        Queue = Queue,
        Reference = Reference,
        State = WorkItemStates.Parse(State),
        Priority = Priority,
        Payload = StoredJson.ParseElement(Payload),
        DeadlineAt = DeadlineAt,
        Attempts = Attempts,
        MaxAttempts = MaxAttempts,
        CreatedAt = CreatedAt,
        AddedByJob = AddedByJob,
        StartedAt = StartedAt,
        FinishedAt = FinishedAt,
        Output = StoredJson.ParseElementOrNull(Output),
        Error = Error,
        FailureKind = FailureKind,
        JobId = JobId,
        LeaseExpiresAt = LeaseExpiresAt,
    };
}

/// <summary>A row of <c>work_item_events</c>.</summary>
internal sealed class WorkItemEventRow
{
    public DateTimeOffset At { get; set; }
    public string Type { get; set; } = "";
    public int Attempt { get; set; }
    public string? JobId { get; set; }
    public string? Detail { get; set; }

    public WorkItemEvent ToEvent() => new(At, Type, Attempt, JobId, Detail);
}

/// <summary>What a transition returns to write its history: the item, the state it reached and its attempt.</summary>
internal sealed class WorkItemMoveRow
{
    public string Id { get; set; } = "";
    public string TenantId { get; set; } = "";
    public string State { get; set; } = "";
    public int Attempts { get; set; }
    public string? JobId { get; set; }
}

internal sealed class WorkItemStatsRow
{
    public string Queue { get; set; } = "";
    public long Pending { get; set; }
    public long InProgress { get; set; }
    public long Done { get; set; }
    public long Failed { get; set; }
    public long BusinessFailures { get; set; }
    public long SlaMissed { get; set; }
    public long Retries { get; set; }
    public DateTimeOffset? OldestPendingAt { get; set; }

    public WorkItemQueueStats ToStats() => new(Queue, Pending, InProgress, Done, Failed, BusinessFailures, SlaMissed, Retries, OldestPendingAt);
}
