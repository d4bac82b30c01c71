using System.Text.Json;
using Baton.Core;
using Baton.Core.Api;
using Baton.Server.Jobs;
using Baton.Server.Queues;
using Baton.Storage.Model;

namespace Baton.Server.WorkItems;

/// <summary>Checks items to add (from the API or a job) and turns them into records; every error names its field.</summary>
public static class WorkItemInput
{
    public const int DefaultMaxAttempts = 3;
    public const int MaxReferenceLength = 200;

    public static (List<NewWorkItem> Items, List<(string Field, string Message)> Errors) Read(
        string tenantId, string? queue, IReadOnlyList<NewWorkItemRequest?>? items, int maxPayloadBytes, DateTimeOffset now, string? addedByJob)
    {
        var errors = new List<(string Field, string Message)>();
        var result = new List<NewWorkItem>();
        if (!QueueNames.IsValid(queue)) errors.Add(("queue", $"'{queue}' is not a valid queue name: {QueueNames.Rule}"));
        if (items is null || items.Count == 0) errors.Add(("items", "at least one item is required"));
        else if (items.Count > AddWorkItemsRequest.MaxItems) errors.Add(("items", $"at most {AddWorkItemsRequest.MaxItems} items per request"));
        if (errors.Count > 0) return (result, errors);

        var references = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items!.Count; i++)
        {
            var field = $"items[{i}]";
            if (items[i] is not { } item)
            {
                errors.Add((field, "must be an object"));
                continue;
            }
            var payload = item.Payload is { ValueKind: not JsonValueKind.Undefined } p ? p : JsonSerializer.SerializeToElement(new { });
            if (payload.GetRawText().Length > maxPayloadBytes) errors.Add(($"{field}.payload", $"is larger than {maxPayloadBytes} bytes"));
            var reference = item.Reference?.Trim();
            if (reference is not null)
            {
                if (reference.Length is 0 or > MaxReferenceLength || reference.Any(char.IsControl))
                    errors.Add(($"{field}.reference", $"must be 1 to {MaxReferenceLength} characters without control characters"));
                else if (!references.Add(reference))
                    errors.Add(($"{field}.reference", $"'{reference}' appears twice in this request"));
            }
            var priority = item.Priority ?? 0;
            if (priority is < JobSubmissionService.MinPriority or > JobSubmissionService.MaxPriority)
                errors.Add(($"{field}.priority", $"must be between {JobSubmissionService.MinPriority} and {JobSubmissionService.MaxPriority}"));
            var maxAttempts = item.MaxAttempts ?? DefaultMaxAttempts;
            if (maxAttempts is < 1 or > JobSubmissionService.MaxAttemptsLimit)
                errors.Add(($"{field}.maxAttempts", $"must be between 1 and {JobSubmissionService.MaxAttemptsLimit}"));
            result.Add(new NewWorkItem(SortableIds.New("wi_", now), tenantId, queue!, reference, priority, payload.Clone(),
                item.Deadline?.ToUniversalTime(), maxAttempts, addedByJob));
        }
        return (result, errors);
    }

    public static WorkItemDto ToDto(this WorkItemRecord item, DateTimeOffset now, IReadOnlyList<WorkItemEvent>? history = null) => new(
        item.Id, item.Queue, item.Reference, item.State.ToText(), item.Priority, item.Payload, item.DeadlineAt, item.SlaMissed(now),
        item.Attempts, item.MaxAttempts, item.CreatedAt, item.StartedAt, item.FinishedAt, item.Output, item.Error, item.FailureKind,
        item.JobId, item.AddedByJob, item.LeaseExpiresAt,
        history is null ? null : [new WorkItemEventDto(item.CreatedAt, "added", 0, item.AddedByJob, null),
            .. history.Select(e => new WorkItemEventDto(e.At, e.Type, e.Attempt, e.JobId, e.Detail))]);

    public static WorkItemQueueDto ToDto(this WorkItemQueueStats stats) => new(
        stats.Queue, stats.Pending, stats.InProgress, stats.Done, stats.Failed, stats.BusinessFailures, stats.SlaMissed, stats.Retries, stats.OldestPendingAt);

    /// <summary>409: the references already in the queue; nothing was added.</summary>
    public static IResult DuplicateReferences(string queue, IReadOnlyList<string> duplicates) => Api.Problems.Conflict(
        $"Queue '{queue}' already holds item(s) with reference {string.Join(", ", duplicates.Take(20).Select(r => $"'{r}'"))}" +
        $"{(duplicates.Count > 20 ? $" and {duplicates.Count - 20} more" : "")}; nothing was added.", "reference");
}
