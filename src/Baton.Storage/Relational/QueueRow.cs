using Baton.Storage.Model;

namespace Baton.Storage.Relational;

/// <summary>
/// The column lists of <c>queues</c>, in the order of <see cref="QueueRecord"/>'s constructor: Dapper reads a row straight
/// into it; <see cref="Of"/> is what <see cref="Insert"/> binds.
/// </summary>
internal static class QueueRow
{
    private static readonly string[] All =
        ["tenant_id", "name", "priority", "max_concurrency", "paused", "created_at", "agent_groups", "reserved_slots", "reserved_min_priority"];

    public static readonly string Insert = $"INSERT INTO queues ({Columns.Names(All)}) VALUES ({Columns.Values(All)});";
    public static readonly string Select = Columns.Select(All);

    public static object Of(QueueRecord queue) => new
    {
        queue.TenantId, queue.Name, queue.Priority, queue.MaxConcurrency, queue.Paused, queue.CreatedAt,
        AgentGroups = new TextList(queue.AgentGroups), queue.ReservedSlots, queue.ReservedMinPriority,
    };
}
