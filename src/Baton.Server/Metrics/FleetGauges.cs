using Baton.Core.Metrics;
using Baton.Storage.Model;
using Prometheus;

namespace Baton.Server.Metrics;

/// <summary>
/// The fleet-wide families, published from <see cref="FleetSnapshotCache"/> before each scrape or read: the same
/// figures on every replica (aggregate across replicas with <c>max</c>, never <c>sum</c>). Tenants outside
/// <see cref="FleetSnapshot.LabelledTenants"/> are summed under <c>tenant="_other"</c>, with their queues and agent
/// groups under <c>"_other"</c> too, so the number of series stays bounded whatever the number of tenants.
/// </summary>
public sealed class FleetGauges
{
    private readonly FleetSnapshotCache _fleet;
    private readonly TimeProvider _time;
    private readonly string _backend;
    private readonly ILogger<FleetGauges> _logger;
    private readonly Lock _gate = new();
    private FleetSnapshot? _published;

    private readonly LabelledGauge _queueDepth, _queueReady, _queueOldest, _active;
    private readonly LabelledGauge _agents, _slots, _busySlots, _cpuCores, _memory, _cpuPercent, _memoryUsed, _heartbeatAge;
    private readonly LabelledGauge _schedules, _databaseSize, _cacheHitRatio, _serverConnections, _serverConnectionsMax;
    private readonly Gauge _webhookPending, _webhookOverdue, _tenants, _labelledTenants, _readDuration, _readAge;
    private readonly Counter _readErrors;

    public FleetGauges(MetricRegistry registry, FleetSnapshotCache fleet, BackendStore store, TimeProvider time, ILogger<FleetGauges> logger)
    {
        _fleet = fleet;
        _time = time;
        _backend = store.Store.Capabilities.Backend;
        _logger = logger;
        _queueDepth = new(registry.Gauge("orchestrator_job_queue_depth", "Pending jobs (queued, waiting for an agent) by tenant and queue; fleet-wide, the same on every replica.", "tenant", "queue"));
        _queueReady = new(registry.Gauge("orchestrator_job_queue_ready", "Pending jobs that may be claimed now (not waiting out a retry backoff), by tenant and queue.", "tenant", "queue"));
        _queueOldest = new(registry.Gauge("orchestrator_job_queue_oldest_age_seconds", "Age of the oldest pending job, by tenant and queue.", "tenant", "queue"));
        _active = new(registry.Gauge("orchestrator_jobs_active", "Jobs on agents, by tenant, queue and state (assigned, running).", "tenant", "queue", "state"));
        _agents = new(registry.Gauge("orchestrator_agents", "Agents by tenant, agent group and state (online, offline).", "tenant", "group", "state"));
        _slots = new(registry.Gauge("orchestrator_agent_slots", "Job slots of online agents, by tenant and agent group.", "tenant", "group"));
        _busySlots = new(registry.Gauge("orchestrator_agent_slots_busy", "Slots of online agents that hold a job, by tenant and agent group.", "tenant", "group"));
        _cpuCores = new(registry.Gauge("orchestrator_agent_cpu_cores", "CPU cores online agents report, by tenant and agent group.", "tenant", "group"));
        _memory = new(registry.Gauge("orchestrator_agent_memory_bytes", "Memory online agents report, by tenant and agent group.", "tenant", "group"));
        _cpuPercent = new(registry.Gauge("orchestrator_agent_cpu_usage_percent", "Mean CPU use (percent of all cores) online agents report, by tenant and agent group.", "tenant", "group"));
        _memoryUsed = new(registry.Gauge("orchestrator_agent_memory_used_bytes", "Memory in use online agents report, by tenant and agent group.", "tenant", "group"));
        _heartbeatAge = new(registry.Gauge("orchestrator_agent_heartbeat_age_seconds", "Time since the last heartbeat of the most silent online agent, by tenant and agent group.", "tenant", "group"));
        _schedules = new(registry.Gauge("orchestrator_schedules", "Schedules by state (active, paused).", "state"));
        _databaseSize = new(registry.Gauge("orchestrator_db_size_bytes", "Size of the database.", "backend"));
        _cacheHitRatio = new(registry.Gauge("orchestrator_db_cache_hit_ratio", "Share of block reads served from PostgreSQL's buffer cache since its statistics were reset.", "backend"));
        _serverConnections = new(registry.Gauge("orchestrator_db_server_connections", "Client connections open on the PostgreSQL server (all clients).", "backend"));
        _serverConnectionsMax = new(registry.Gauge("orchestrator_db_server_connections_max", "PostgreSQL's max_connections.", "backend"));
        _webhookPending = registry.Gauge("orchestrator_webhook_deliveries_pending", "Webhook deliveries still to be made (first attempts and retries).");
        _webhookOverdue = registry.Gauge("orchestrator_webhook_deliveries_overdue_seconds", "How long the most overdue webhook delivery has been due.");
        _tenants = registry.Gauge("orchestrator_tenants", "Tenants (the shared agent pool's reserved tenant included).");
        _labelledTenants = registry.Gauge("orchestrator_tenants_labelled", "Tenants that keep their own tenant label (the most active); the rest are tenant=\"_other\".");
        _readDuration = registry.Gauge("orchestrator_fleet_read_duration_seconds", "How long the last store read of the fleet figures took.");
        _readAge = registry.Gauge("orchestrator_fleet_read_age_seconds", "Age of the fleet figures published now.");
        _readErrors = registry.Counter("orchestrator_fleet_read_errors_total", "Store reads of the fleet figures that failed (the previous figures stay published).");
        registry.OnRefresh(RefreshAsync);
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        FleetSnapshot snapshot;
        try
        {
            snapshot = await _fleet.GetAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _readErrors.Inc();
            _logger.LogDebug(ex, "Fleet figures not refreshed");
            return;
        }
        lock (_gate)
        {
            if (!ReferenceEquals(snapshot, _published))
            {
                Publish(snapshot);
                _published = snapshot;
            }
            _readAge.Set(Math.Max(0, (_time.GetUtcNow() - snapshot.ReadAt).TotalSeconds));
        }
    }

    private void Publish(FleetSnapshot snapshot)
    {
        var statistics = snapshot.Statistics;
        var at = snapshot.ReadAt;
        var depth = new Dictionary<LabelKey, double>();
        var ready = new Dictionary<LabelKey, double>();
        var oldest = new Dictionary<LabelKey, double>();
        var active = new Dictionary<LabelKey, double>();
        foreach (var queue in statistics.Queues)
        {
            var tenant = snapshot.TenantLabel(queue.TenantId);
            var key = new LabelKey(tenant, tenant == TenantLabelRule.Other ? TenantLabelRule.Other : queue.Queue);
            depth.Accumulate(key, queue.Pending);
            ready.Accumulate(key, queue.Ready);
            if (queue.OldestPendingSubmittedAt is { } submitted) oldest.KeepMax(key, Math.Max(0, (at - submitted).TotalSeconds));
            if (queue.Assigned > 0) active.Accumulate(new LabelKey(key.Values[0], key.Values[1], "assigned"), queue.Assigned);
            if (queue.Running > 0) active.Accumulate(new LabelKey(key.Values[0], key.Values[1], "running"), queue.Running);
        }
        _queueDepth.Publish(depth);
        _queueReady.Publish(ready);
        _queueOldest.Publish(oldest);
        _active.Publish(active);

        var agents = new Dictionary<LabelKey, double>();
        var slots = new Dictionary<LabelKey, double>();
        var busy = new Dictionary<LabelKey, double>();
        var cores = new Dictionary<LabelKey, double>();
        var memory = new Dictionary<LabelKey, double>();
        var cpuSum = new Dictionary<LabelKey, double>();
        var reporting = new Dictionary<LabelKey, double>();
        var memoryUsed = new Dictionary<LabelKey, double>();
        var heartbeatAge = new Dictionary<LabelKey, double>();
        foreach (var group in statistics.AgentGroups)
        {
            var tenant = snapshot.TenantLabel(group.TenantId);
            var key = new LabelKey(tenant, tenant == TenantLabelRule.Other ? TenantLabelRule.Other : group.Group);
            var online = group.State == AgentState.Online;
            agents.Accumulate(new LabelKey(key.Values[0], key.Values[1], online ? "online" : "offline"), group.Agents);
            if (!online) continue;
            slots.Accumulate(key, group.Slots);
            busy.Accumulate(key, group.BusySlots);
            cores.Accumulate(key, group.CpuCores);
            memory.Accumulate(key, group.MemoryMb * 1024d * 1024d);
            memoryUsed.Accumulate(key, group.MemoryUsedMb * 1024d * 1024d);
            cpuSum.Accumulate(key, group.CpuPercentSum);
            reporting.Accumulate(key, group.AgentsReportingUsage);
            if (group.OldestHeartbeatAt is { } beat) heartbeatAge.KeepMax(key, Math.Max(0, (at - beat).TotalSeconds));
        }
        _agents.Publish(agents);
        _slots.Publish(slots);
        _busySlots.Publish(busy);
        _cpuCores.Publish(cores);
        _memory.Publish(memory);
        _memoryUsed.Publish(memoryUsed);
        _cpuPercent.Publish(reporting.Where(pair => pair.Value > 0).ToDictionary(pair => pair.Key, pair => cpuSum[pair.Key] / pair.Value));
        _heartbeatAge.Publish(heartbeatAge);

        _schedules.Publish(new Dictionary<LabelKey, double>
        {
            [new LabelKey("active")] = statistics.Schedules.Active,
            [new LabelKey("paused")] = statistics.Schedules.Paused,
        });
        _webhookPending.Set(statistics.WebhookDeliveries.Pending);
        _webhookOverdue.Set(statistics.WebhookDeliveries.OldestDueAt is { } due ? Math.Max(0, (at - due).TotalSeconds) : 0);
        _tenants.Set(statistics.Tenants.Count);
        _labelledTenants.Set(snapshot.LabelledTenants.Count);

        var database = statistics.Database;
        var backend = _backend;
        _databaseSize.Publish(Single(backend, database.SizeBytes));
        _cacheHitRatio.Publish(Single(backend, database.CacheHitRatio));
        _serverConnections.Publish(Single(backend, database.ConnectionsUsed));
        _serverConnectionsMax.Publish(Single(backend, database.MaxConnections));
        _readDuration.Set(snapshot.ReadDuration.TotalSeconds);
    }

    private static Dictionary<LabelKey, double> Single(string backend, double? value) =>
        value is { } v ? new Dictionary<LabelKey, double> { [new LabelKey(backend)] = v } : [];
}
