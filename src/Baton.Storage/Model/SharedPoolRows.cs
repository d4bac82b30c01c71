namespace Baton.Storage.Model;

/// <summary>
/// The rows a backend reads for a shared-pool snapshot, and the one place they become
/// <see cref="SharedPoolTenantState"/>s, so both backends shape the answer the same way.
/// </summary>
internal sealed class SharedPoolRows
{
    public Dictionary<string, long> Active { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, double> UsedMilliseconds { get; } = new(StringComparer.Ordinal);
    public Dictionary<(string Tenant, string Queue), int> QueuePriorities { get; } = [];
    public Dictionary<string, List<JobRecord>> Heads { get; } = new(StringComparer.Ordinal);

    public void AddUsage(IEnumerable<TenantAmountRow> rows)
    {
        foreach (var row in rows) UsedMilliseconds[row.TenantId] = UsedMilliseconds.GetValueOrDefault(row.TenantId) + row.Amount;
    }

    public IReadOnlyList<SharedPoolTenantState> Build(IReadOnlyList<string> tenantIds) =>
        tenantIds.Select(tenantId =>
        {
            var head = Heads.GetValueOrDefault(tenantId) ?? [];
            // The head was read in the ready index's order (job priority, age); a queue's priority
            // reorders it here. A job far behind in a high-priority queue is outside the head: the
            // tenant claim itself orders by effective priority, so only the ranking between tenants is approximate.
            var ready = head
                .Select(job => new SharedPoolReadyJob(job, job.Priority + QueuePriorities.GetValueOrDefault((tenantId, job.Queue))))
                .OrderByDescending(r => r.EffectivePriority).ThenBy(r => r.Job.SubmittedAt).ThenBy(r => r.Job.Id, StringComparer.Ordinal)
                .ToList();
            return new SharedPoolTenantState(tenantId, (int)Active.GetValueOrDefault(tenantId), UsedMilliseconds.GetValueOrDefault(tenantId) / 1000.0, ready);
        }).ToList();
}

internal sealed class TenantAmountRow
{
    public string TenantId { get; set; } = "";
    public double Amount { get; set; }
}

internal sealed class QueuePriorityRow
{
    public string TenantId { get; set; } = "";
    public string Name { get; set; } = "";
    public long Priority { get; set; }
}

/// <summary>A held job with the agent holding it (the batched read of several agents' jobs).</summary>
internal sealed class HeldJobOfAgentRow : SharedHeldJobRow
{
    public string AgentId { get; set; } = "";
}

internal class SharedHeldJobRow
{
    /// <summary>The select list of this row over <c>jobs</c> (the shared pool's and the agent directives' reads).</summary>
    public const string Select =
        "id AS JobId, tenant_id AS TenantId, attempt AS Attempt, state AS State, package_sha256 AS PackageSha256, " +
        "assigned_at AS AssignedAt, cancel_requested AS CancelRequested";

    public string JobId { get; set; } = "";
    public string TenantId { get; set; } = "";
    public int Attempt { get; set; }
    public string State { get; set; } = "";
    public string PackageSha256 { get; set; } = "";
    public DateTimeOffset? AssignedAt { get; set; }
    public bool CancelRequested { get; set; }

    public HeldJob ToRecord() => new(JobId, TenantId, Attempt, State, PackageSha256)
    {
        AssignedAt = AssignedAt,
        CancelRequested = CancelRequested,
    };
}
