using Baton.Core.Metrics;
using Baton.Server.Metrics;
using Baton.Storage;

namespace Baton.Server.WorkItems;

/// <summary>
/// <c>orchestrator_workitem_queue_depth</c>: waiting work items by tenant and queue, read from the store (so the same
/// on every replica: aggregate with <c>max</c>) at most once per <see cref="MaxAge"/>, labelled by the fleet figures'
/// tenant rule (tenants outside the most active are summed under <c>_other</c>). An autoscaler trigger can name it.
/// </summary>
internal sealed class WorkItemGauges : IDisposable
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);

    private readonly LabelledGauge _depth;
    private readonly IBatonStore _store;
    private readonly FleetSnapshotCache _fleet;
    private readonly TimeProvider _time;
    private readonly ILogger<WorkItemGauges> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;

    public WorkItemGauges(MetricRegistry registry, IBatonStore store, FleetSnapshotCache fleet, TimeProvider time, ILogger<WorkItemGauges> logger)
    {
        _store = store;
        _fleet = fleet;
        _time = time;
        _logger = logger;
        _depth = new(registry.Gauge("orchestrator_workitem_queue_depth",
            "Work items waiting (pending) by tenant and work-item queue; fleet-wide, the same on every replica.", "tenant", "queue"));
        registry.OnRefresh(RefreshAsync);
    }

    public void Dispose() => _gate.Dispose();

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_time.GetUtcNow() - _readAt < MaxAge) return;
            IReadOnlyList<Baton.Storage.Model.WorkItemDepth> depths;
            FleetSnapshot fleet;
            try
            {
                depths = await _store.WorkItems.ReadDepthsAsync(cancellationToken);
                fleet = await _fleet.GetAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                _logger.LogDebug(ex, "Work-item depths not refreshed");
                return;
            }
            var series = new Dictionary<LabelKey, double>();
            foreach (var depth in depths)
            {
                var tenant = fleet.TenantLabel(depth.TenantId);
                series.Accumulate(new LabelKey(tenant, tenant == TenantLabelRule.Other ? TenantLabelRule.Other : depth.Queue), depth.Pending);
            }
            _depth.Publish(series);
            _readAt = _time.GetUtcNow();
        }
        finally
        {
            _gate.Release();
        }
    }
}

/// <summary>The work-item services: the depth gauge (registered with the other families when the host starts) and the trigger starter.</summary>
public static class WorkItemServices
{
    public static IServiceCollection AddWorkItems(this IServiceCollection services)
    {
        services.AddSingleton<WorkItemGauges>();
        services.AddSingleton<WorkItemTriggerStarter>();
        services.AddHostedService<WorkItemGaugesActivation>();
        return services;
    }

    private sealed class WorkItemGaugesActivation(WorkItemGauges gauges) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            GC.KeepAlive(gauges);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
