using Baton.Core.Throttling;
using Prometheus;

namespace Baton.Server.Metrics;

/// <summary>
/// The adaptive write limit of this replica, as it decides: the limit now, the REST writes in flight, the rate they
/// complete at, their least and smoothed latency and the elasticity of the rate to the limit its last probes measured.
/// </summary>
public sealed class WriteLimitGauges
{
    public WriteLimitGauges(MetricRegistry registry, ThroughputConcurrencyLimit limit)
    {
        Gauge current = registry.Gauge("orchestrator_write_limit", "REST writes this replica admits in flight at once now (the adaptive write limit, probing above and below its base); past it writes get 503.");
        Gauge inFlight = registry.Gauge("orchestrator_writes_in_flight", "REST writes holding a slot under the write limit now.");
        Gauge rate = registry.Gauge("orchestrator_write_completions_per_second", "REST writes completed per second in the write limit's last probe.");
        Gauge least = registry.Gauge("orchestrator_write_min_latency_seconds", "The least latency of a REST write the write limit has seen.");
        Gauge smoothed = registry.Gauge("orchestrator_write_latency_seconds", "The write limit's smoothed latency of REST writes.");
        Gauge elasticity = registry.Gauge("orchestrator_write_limit_elasticity", "Relative change of the completion rate over relative change of the write limit between its last two probes (near 0: more writes only queue; near 1: they all add throughput).");
        registry.OnRefresh(_ =>
        {
            current.Set(limit.Current);
            inFlight.Set(limit.InFlight);
            rate.Set(limit.DeliveryRatePerSecond);
            least.Set(limit.MinLatencyMs / 1000);
            smoothed.Set(limit.SmoothedLatencyMs / 1000);
            if (!double.IsNaN(limit.Elasticity)) elasticity.Set(limit.Elasticity);
            return Task.CompletedTask;
        });
    }
}
