namespace Baton.Storage.Model;

/// <summary>
/// A tenant's named queue. <see cref="MaxConcurrency"/> null is unlimited. <see cref="AgentGroups"/>
/// empty: every agent group serves it. <see cref="ReservedSlots"/> of the tenant's concurrency cap are
/// held for its jobs with priority at least <see cref="ReservedMinPriority"/>.
/// </summary>
public sealed record QueueRecord(
    string TenantId,
    string Name,
    int Priority,
    int? MaxConcurrency,
    bool Paused,
    DateTimeOffset CreatedAt,
    IReadOnlyList<string>? AgentGroups = null,
    int ReservedSlots = 0,
    int ReservedMinPriority = 0)
{
    /// <summary>Every tenant has this queue; it is created with the tenant and cannot be deleted.</summary>
    public const string DefaultName = "default";

    public IReadOnlyList<string> AgentGroups { get; init; } = AgentGroups ?? [];

    // Value equality over the group list too (a record compares lists by reference).
    public bool Equals(QueueRecord? other) =>
        other is not null &&
        (TenantId, Name, Priority, MaxConcurrency, Paused, CreatedAt, ReservedSlots, ReservedMinPriority) ==
        (other.TenantId, other.Name, other.Priority, other.MaxConcurrency, other.Paused, other.CreatedAt, other.ReservedSlots, other.ReservedMinPriority) &&
        AgentGroups.SequenceEqual(other.AgentGroups, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(TenantId, Name, Priority, MaxConcurrency, Paused, CreatedAt, AgentGroups.Count);
}

/// <summary>
/// A partial update of a queue; null keeps the value, <see cref="ClearMaxConcurrency"/> makes it unlimited,
/// an empty <see cref="AgentGroups"/> lets every group serve it.
/// </summary>
public sealed record QueueUpdate(
    int? Priority = null,
    int? MaxConcurrency = null,
    bool ClearMaxConcurrency = false,
    bool? Paused = null,
    IReadOnlyList<string>? AgentGroups = null,
    int? ReservedSlots = null,
    int? ReservedMinPriority = null);

public enum QueueCreateResult
{
    Created,
    NameTaken,
    QuotaExceeded,
}
