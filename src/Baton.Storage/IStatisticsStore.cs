using Baton.Storage.Model;

namespace Baton.Storage;

/// <summary>
/// Figures about the whole deployment for metrics and the autoscaler: one system-scope read of the
/// fleet (every tenant's queues, agents, schedules, webhook backlog and the database's own counters), so
/// every replica that reads it reports the same numbers; and the live state of this process's
/// connections to the store.
/// </summary>
public interface IStatisticsStore
{
    /// <summary>
    /// Pending and active jobs per tenant and queue, agents per tenant, group and state with their slots
    /// and reported resources, schedule and webhook-delivery counts, and the database's statistics, read
    /// across tenants in one pass. Grouped in the store: its size follows tenants × queues and
    /// tenants × groups, not jobs or agents.
    /// </summary>
    Task<FleetStatistics> ReadFleetAsync(CancellationToken cancellationToken);

    /// <summary>This process's connections to the store now: busy, idle, the pool's ceiling and callers waiting for one.</summary>
    StoreConnectionStatistics ReadConnections();

    /// <summary>
    /// Registers an observer of how long each write waited for the backend's in-process write gate (SQLite's single
    /// writer). Backends without one never call it.
    /// </summary>
    void ObserveWriteGateWaits(Action<TimeSpan> observer);
}
