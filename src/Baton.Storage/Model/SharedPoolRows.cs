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

    public void AddUsage(IEnumerable<(string TenantId, double Amount)> rows)
    {
        foreach (var (tenantId, amount) in rows) UsedMilliseconds[tenantId] = UsedMilliseconds.GetValueOrDefault(tenantId) + amount;
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
