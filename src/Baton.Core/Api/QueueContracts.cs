namespace Baton.Core.Api;

/// <summary>A tenant's named queue: its priority is added to each job's when claims are ordered.</summary>
public sealed record QueueDto(string Name, int Priority, int? MaxConcurrency, bool Paused, DateTimeOffset CreatedAt);

public sealed record CreateQueueRequest(string Name, int? Priority = null, int? MaxConcurrency = null);

/// <summary>A partial update; null keeps the value. <see cref="Unlimited"/> = true clears the concurrency cap.</summary>
public sealed record UpdateQueueRequest(int? Priority = null, int? MaxConcurrency = null, bool? Unlimited = null, bool? Paused = null);
