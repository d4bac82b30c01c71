using Baton.Storage.Model;

namespace Baton.Storage.Relational;

/// <summary>
/// The column lists of <c>queues</c>, in the order of <see cref="QueueRecord"/>'s constructor: Dapper reads a row straight
/// into it; <see cref="Of"/> is what an insert binds.
/// </summary>
internal static class QueueRow
{
    private static readonly string[] All =
        ["tenant_id", "name", "priority", "max_concurrency", "paused", "created_at", "agent_groups", "reserved_slots", "reserved_min_priority"];

    public static readonly string Columns = Relational.Columns.Names(All);
    public static readonly string Values = Relational.Columns.Values(All);
    public static readonly string Select = Relational.Columns.Select(All);

    public static object Of(QueueRecord queue) => new
    {
        queue.TenantId, queue.Name, queue.Priority, queue.MaxConcurrency, queue.Paused, queue.CreatedAt,
        AgentGroups = new TextList(queue.AgentGroups), queue.ReservedSlots, queue.ReservedMinPriority,
    };
}
