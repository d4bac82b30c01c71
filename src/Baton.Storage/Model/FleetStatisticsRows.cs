namespace Baton.Storage.Model;

// The rows of the fleet read (Relational/StatisticsStore.cs): counts as 64-bit integers, times as stored times.

internal sealed class PendingQueueRow
{
    public string TenantId { get; set; } = "";
    public string Queue { get; set; } = "";
    public long Pending { get; set; }
    public long Ready { get; set; }
    public DateTimeOffset? Oldest { get; set; }
}

internal sealed class ActiveQueueRow
{
    public string TenantId { get; set; } = "";
    public string Queue { get; set; } = "";
    public string State { get; set; } = "";
    public long Jobs { get; set; }
}

internal sealed class AgentGroupRow
{
    public string TenantId { get; set; } = "";
    public string GroupName { get; set; } = "";
    public string State { get; set; } = "";
    public long Agents { get; set; }
    public long Slots { get; set; }
    public long CpuCores { get; set; }
    public long MemoryMb { get; set; }
    public long ReportingUsage { get; set; }
    public double CpuPercentSum { get; set; }
    public long MemoryUsedMb { get; set; }
    public DateTimeOffset? OldestHeartbeat { get; set; }
}

internal sealed class BusyGroupRow
{
    public string TenantId { get; set; } = "";
    public string GroupName { get; set; } = "";
    public string State { get; set; } = "";
    public long Busy { get; set; }
}

internal sealed class ScheduleCountRow
{
    public long Active { get; set; }
    public long Paused { get; set; }
}

internal sealed class WebhookBacklogRow
{
    public long Pending { get; set; }
    public DateTimeOffset? OldestDue { get; set; }
}

internal sealed class DatabaseStatisticsRow
{
    public long? SizeBytes { get; set; }
    public long? BlocksHit { get; set; }
    public long? BlocksRead { get; set; }
    public long? ConnectionsUsed { get; set; }
    public long? MaxConnections { get; set; }
}

/// <summary>Assembles the fleet read's rows, the same for every backend.</summary>
internal static class FleetStatisticsAssembly
{
    public static FleetStatistics Build(
        DateTimeOffset readAt,
        IEnumerable<TenantName> tenants,
        IEnumerable<PendingQueueRow> pending,
        IEnumerable<ActiveQueueRow> active,
        IEnumerable<AgentGroupRow> agents,
        IEnumerable<BusyGroupRow> busy,
        ScheduleCountRow schedules,
        WebhookBacklogRow webhooks,
        DatabaseStatisticsRow? database)
    {
        var queues = new Dictionary<(string Tenant, string Queue), QueueJobCounts>();
        foreach (var row in pending)
        {
            queues[(row.TenantId, row.Queue)] = new QueueJobCounts(row.TenantId, row.Queue, row.Pending, row.Ready, 0, 0, row.Oldest);
        }
        foreach (var row in active)
        {
            var key = (row.TenantId, row.Queue);
            var counts = queues.GetValueOrDefault(key) ?? new QueueJobCounts(row.TenantId, row.Queue, 0, 0, 0, 0, null);
            queues[key] = row.State == "running" ? counts with { Running = counts.Running + row.Jobs } : counts with { Assigned = counts.Assigned + row.Jobs };
        }

        var busyByGroup = busy.ToDictionary(row => (row.TenantId, row.GroupName, row.State), row => row.Busy);
        var groups = agents
            .Select(row => new AgentGroupCounts(
                row.TenantId, row.GroupName, ParseState(row.State), row.Agents, row.Slots,
                busyByGroup.GetValueOrDefault((row.TenantId, row.GroupName, row.State)),
                row.CpuCores, row.MemoryMb, row.ReportingUsage, row.CpuPercentSum, row.MemoryUsedMb, row.OldestHeartbeat))
            .OrderBy(group => group.TenantId, StringComparer.Ordinal)
            .ThenBy(group => group.Group, StringComparer.Ordinal)
            .ThenBy(group => group.State)
            .ToList();

        return new FleetStatistics
        {
            ReadAt = readAt,
            Tenants = [.. tenants],
            Queues = [.. queues.Values.OrderBy(q => q.TenantId, StringComparer.Ordinal).ThenBy(q => q.Queue, StringComparer.Ordinal)],
            AgentGroups = groups,
            Schedules = new ScheduleCounts(schedules.Active, schedules.Paused),
            WebhookDeliveries = new WebhookDeliveryCounts(webhooks.Pending, webhooks.OldestDue),
            Database = database is null
                ? new DatabaseStatistics(null, null, null, null, null)
                : new DatabaseStatistics(database.SizeBytes, database.BlocksHit, database.BlocksRead, database.ConnectionsUsed, database.MaxConnections),
        };
    }

    private static AgentState ParseState(string state) => state == "online" ? AgentState.Online : AgentState.Offline;
}
