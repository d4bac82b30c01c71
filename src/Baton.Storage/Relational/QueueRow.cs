using Baton.Storage.Model;

namespace Baton.Storage.Relational;

/// <summary>A row of <c>queues</c>, as both backends read and write it.</summary>
internal sealed class QueueRow
{
    private static readonly string[] All =
        ["tenant_id", "name", "priority", "max_concurrency", "paused", "created_at", "agent_groups", "reserved_slots", "reserved_min_priority"];

    public static readonly string Columns = Relational.Columns.Names(All);
    public static readonly string Values = Relational.Columns.Values(All);
    public static readonly string Select = Relational.Columns.Select(All);

    public string TenantId { get; set; } = "";
    public string Name { get; set; } = "";
    public int Priority { get; set; }
    public int? MaxConcurrency { get; set; }
    public bool Paused { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public TextList AgentGroups { get; set; }
    public int ReservedSlots { get; set; }
    public int ReservedMinPriority { get; set; }

    public static QueueRow Of(QueueRecord queue) => new()
    {
        TenantId = queue.TenantId,
        Name = queue.Name,
        Priority = queue.Priority,
        MaxConcurrency = queue.MaxConcurrency,
        Paused = queue.Paused,
        CreatedAt = queue.CreatedAt,
        AgentGroups = new TextList(queue.AgentGroups),
        ReservedSlots = queue.ReservedSlots,
        ReservedMinPriority = queue.ReservedMinPriority,
    };

    public QueueRecord ToRecord() => new(
        TenantId, Name, Priority, MaxConcurrency, Paused, CreatedAt, AgentGroups.Items ?? [], ReservedSlots, ReservedMinPriority);
}
