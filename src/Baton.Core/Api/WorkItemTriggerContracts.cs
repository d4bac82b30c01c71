using System.Text.Json.Serialization;

namespace Baton.Core.Api;

/// <summary>
/// <c>PUT /api/v1/workitem-queues/{queue}/trigger</c>: while at least <see cref="MinItems"/> items (default 1) wait in
/// the queue, keep up to <see cref="MaxJobs"/> jobs (default 1) of <see cref="Package"/> active for it
/// (<see cref="Version"/>: omitted means the latest version when each job starts).
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SetWorkItemTriggerRequest(string? Package, string? Version = null, int? MaxJobs = null, int? MinItems = null);

/// <summary>
/// A queue's trigger. <see cref="ActiveJobs"/>: the jobs it started that have not ended; <see cref="LastError"/>: why the
/// last start was refused (the package gone, the tenant's backlog full), cleared by the next start.
/// </summary>
public sealed record WorkItemTriggerDto(
    string Queue,
    string Package,
    string? Version,
    int MaxJobs,
    int MinItems,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? LastStartedAt,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    IReadOnlyList<string> ActiveJobs);
