using Prometheus;

namespace Baton.Server.Metrics;

/// <summary>
/// The database family of this replica: each store operation's duration and failures (by operation, e.g.
/// <c>Jobs.ClaimAsync</c>: a bounded set, one per contract method), the connection pool (busy, idle, ceiling,
/// callers waiting) and SQLite's write-gate wait.
/// </summary>
public sealed class StoreMetrics
{
    private readonly Histogram _duration;
    private readonly Counter _errors;

    public StoreMetrics(MetricRegistry registry, BackendStore backend)
    {
        var store = backend.Store;
        _duration = registry.Histogram("orchestrator_db_operation_duration_seconds", "Duration of store operations (one transaction each), by operation.", Buckets.Database, "operation");
        _errors = registry.Counter("orchestrator_db_operation_errors_total", "Store operations that threw, by operation.", "operation");
        var connections = registry.Gauge("orchestrator_db_pool_connections", "This replica's connections to the store by state (busy, idle; idle only where the driver reports it).", "state");
        var max = registry.Gauge("orchestrator_db_pool_max_connections", "The ceiling of this replica's connection pool (where the driver reports it).");
        var pending = registry.Gauge("orchestrator_db_pool_pending_requests", "Callers waiting for a connection from this replica's pool (where the driver reports it).");
        var gateWait = registry.Histogram("orchestrator_db_write_gate_wait_seconds", "How long SQLite writes waited for the single-writer gate.", Buckets.Database);
        store.Statistics.ObserveWriteGateWaits(waited => gateWait.Observe(waited.TotalSeconds));
        registry.OnRefresh(_ =>
        {
            var now = store.Statistics.ReadConnections();
            connections.WithLabels("busy").Set(now.Busy);
            if (now.Idle is { } idle) connections.WithLabels("idle").Set(idle);
            if (now.Max is { } ceiling) max.Set(ceiling);
            if (now.Pending is { } waiting) pending.Set(waiting);
            return Task.CompletedTask;
        });
    }

    /// <summary>The series of one operation, looked up once per operation by the store decorator.</summary>
    internal (Histogram.Child Duration, Counter.Child Errors) Operation(string name) => (_duration.WithLabels(name), _errors.WithLabels(name));
}
