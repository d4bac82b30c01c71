using Baton.Core.Metrics;
using Baton.Storage.Model;

namespace Baton.Server.Metrics;

/// <summary>
/// The fleet as one store read saw it (<see cref="FleetSnapshotCache"/>), with the sums a reader asks for: queue
/// depth, active jobs and agents, in total or narrowed to a tenant (by name), queue or agent group. Every replica
/// reading within the cache's age sees the same figures: they come from the store, not from this process.
/// </summary>
public sealed class FleetSnapshot
{
    private readonly Dictionary<string, string> _tenantNames;
    private readonly HashSet<string> _labelled;

    public FleetSnapshot(FleetStatistics statistics, TimeSpan readDuration, int tenantLabelLimit)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        Statistics = statistics;
        ReadDuration = readDuration;
        _tenantNames = statistics.Tenants.ToDictionary(tenant => tenant.Id, tenant => tenant.Name, StringComparer.Ordinal);
        var activity = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var queue in statistics.Queues)
        {
            activity[queue.TenantId] = activity.GetValueOrDefault(queue.TenantId) + queue.Pending + queue.Assigned + queue.Running;
        }
        foreach (var group in statistics.AgentGroups.Where(group => group.State == AgentState.Online))
        {
            activity[group.TenantId] = activity.GetValueOrDefault(group.TenantId) + group.Agents;
        }
        LabelledTenants = TenantLabelRule.Choose(
            activity.Select(pair => new TenantActivity(TenantName(pair.Key), pair.Value)), tenantLabelLimit);
        _labelled = [.. LabelledTenants];
    }

    public FleetStatistics Statistics { get; }

    /// <summary>When the store read these figures (the store's clock).</summary>
    public DateTimeOffset ReadAt => Statistics.ReadAt;

    /// <summary>How long the store read took.</summary>
    public TimeSpan ReadDuration { get; }

    /// <summary>The tenants (by name) that keep their own <c>tenant</c> label, most active first (<see cref="TenantLabelRule"/>).</summary>
    public IReadOnlyList<string> LabelledTenants { get; }

    /// <summary>A tenant's name (its id when the read did not see it, e.g. created since).</summary>
    public string TenantName(string tenantId) => _tenantNames.GetValueOrDefault(tenantId) ?? tenantId;

    /// <summary>The <c>tenant</c> label value of a tenant: its name when it is among <see cref="LabelledTenants"/>, else <see cref="TenantLabelRule.Other"/>.</summary>
    public string TenantLabel(string tenantId) => _labelled.Contains(TenantName(tenantId)) ? TenantName(tenantId) : TenantLabelRule.Other;

    /// <summary>Pending jobs (the queue depth), narrowed to a tenant name and/or queue when given.</summary>
    public long PendingJobs(string? tenant = null, string? queue = null) => Queues(tenant, queue).Sum(q => q.Pending);

    /// <summary>Pending jobs that may be claimed now (not waiting out a retry backoff).</summary>
    public long ReadyJobs(string? tenant = null, string? queue = null) => Queues(tenant, queue).Sum(q => q.Ready);

    public long AssignedJobs(string? tenant = null, string? queue = null) => Queues(tenant, queue).Sum(q => q.Assigned);

    public long RunningJobs(string? tenant = null, string? queue = null) => Queues(tenant, queue).Sum(q => q.Running);

    /// <summary>When the oldest pending job (of a tenant, queue) was submitted; null when none is pending.</summary>
    public DateTimeOffset? OldestPendingSubmittedAt(string? tenant = null, string? queue = null) =>
        Queues(tenant, queue).Where(q => q.OldestPendingSubmittedAt is not null).Min(q => q.OldestPendingSubmittedAt);

    /// <summary>Agents in a state (online by default), narrowed to a tenant name and/or agent group when given.</summary>
    public long Agents(AgentState state = AgentState.Online, string? tenant = null, string? group = null) =>
        Groups(state, tenant, group).Sum(g => g.Agents);

    /// <summary>Slots of online agents (of a tenant, group).</summary>
    public long Slots(string? tenant = null, string? group = null) => Groups(AgentState.Online, tenant, group).Sum(g => g.Slots);

    /// <summary>Slots of online agents that hold a job now.</summary>
    public long BusySlots(string? tenant = null, string? group = null) => Groups(AgentState.Online, tenant, group).Sum(g => g.BusySlots);

    /// <summary>Mean CPU percent reported by the online agents that report it (of a tenant, group); null when none does.</summary>
    public double? AgentCpuPercent(string? tenant = null, string? group = null)
    {
        var groups = Groups(AgentState.Online, tenant, group).ToList();
        var reporting = groups.Sum(g => g.AgentsReportingUsage);
        return reporting == 0 ? null : groups.Sum(g => g.CpuPercentSum) / reporting;
    }

    /// <summary>Schedules that fire (not paused).</summary>
    public long ActiveSchedules => Statistics.Schedules.Active;

    public long PausedSchedules => Statistics.Schedules.Paused;

    /// <summary>Webhook deliveries still to be made.</summary>
    public long PendingWebhookDeliveries => Statistics.WebhookDeliveries.Pending;

    private IEnumerable<QueueJobCounts> Queues(string? tenant, string? queue) =>
        Statistics.Queues.Where(q => (tenant is null || TenantName(q.TenantId) == tenant) && (queue is null || q.Queue == queue));

    private IEnumerable<AgentGroupCounts> Groups(AgentState state, string? tenant, string? group) =>
        Statistics.AgentGroups.Where(g => g.State == state && (tenant is null || TenantName(g.TenantId) == tenant) && (group is null || g.Group == group));
}
