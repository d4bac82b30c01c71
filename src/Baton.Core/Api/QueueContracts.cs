using System.Text.Json.Serialization;

namespace Baton.Core.Api;

/// <summary>
/// A tenant's named queue: its priority is added to each job's when claims are ordered.
/// <see cref="AgentGroups"/> empty: every agent group serves it. <see cref="ReservedSlots"/> of the
/// tenant's concurrency cap are held for its jobs with priority of at least <see cref="ReservedMinPriority"/>.
/// </summary>
public sealed record QueueDto(
    string Name,
    int Priority,
    int? MaxConcurrency,
    bool Paused,
    DateTimeOffset CreatedAt,
    IReadOnlyList<string>? AgentGroups = null,
    int ReservedSlots = 0,
    int ReservedMinPriority = 0);

public sealed record CreateQueueRequest(
    string Name,
    int? Priority = null,
    int? MaxConcurrency = null,
    IReadOnlyList<string>? AgentGroups = null,
    int? ReservedSlots = null,
    int? ReservedMinPriority = null);

/// <summary>
/// A partial update; null keeps the value. <see cref="Unlimited"/> = true clears the concurrency cap;
/// an empty <see cref="AgentGroups"/> lets every group serve the queue.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record UpdateQueueRequest(
    int? Priority = null,
    int? MaxConcurrency = null,
    bool? Unlimited = null,
    bool? Paused = null,
    IReadOnlyList<string>? AgentGroups = null,
    int? ReservedSlots = null,
    int? ReservedMinPriority = null);
