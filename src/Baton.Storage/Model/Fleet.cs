namespace Baton.Storage.Model;

/// <summary>Builds a <see cref="FleetSnapshot"/> from the grouped rows both backends read.</summary>
internal static class Fleet
{
    public static FleetSnapshot Assemble(
        IEnumerable<(string TenantId, string Queue, string State, bool Scheduled, int Count)> loads,
        IReadOnlyDictionary<(string TenantId, string Queue), IReadOnlyList<string>> queueGroups,
        IEnumerable<(string TenantId, int Count)> submitted,
        IEnumerable<(string TenantId, int Finished, int FailedFast)> endings,
        IReadOnlyList<FleetAgent> agents,
        int activeSchedules,
        int deliveriesDue)
    {
        var queues = new Dictionary<(string, string), (int Pending, int Scheduled, int Running)>();
        foreach (var (tenantId, queue, state, scheduled, count) in loads)
        {
            var current = queues.GetValueOrDefault((tenantId, queue));
            if (state == "pending")
            {
                current.Pending += count;
                if (scheduled) current.Scheduled += count;
            }
            else
            {
                current.Running += count;
            }
            queues[(tenantId, queue)] = current;
        }
        var queueLoads = queues.Select(q => new FleetQueueLoad(q.Key.Item1, q.Key.Item2, queueGroups.GetValueOrDefault(q.Key) ?? [],
            q.Value.Pending, q.Value.Scheduled, q.Value.Running)).ToList();

        var tenants = new Dictionary<string, FleetTenantActivity>(StringComparer.Ordinal);
        foreach (var (tenantId, count) in submitted) tenants[tenantId] = new FleetTenantActivity(tenantId, count, 0, 0);
        foreach (var (tenantId, finished, failedFast) in endings)
        {
            var known = tenants.GetValueOrDefault(tenantId) ?? new FleetTenantActivity(tenantId, 0, 0, 0);
            tenants[tenantId] = known with { FinishedRecently = finished, FailedFastRecently = failedFast };
        }
        return new FleetSnapshot(queueLoads, [.. tenants.Values], agents, activeSchedules, deliveriesDue);
    }
}
