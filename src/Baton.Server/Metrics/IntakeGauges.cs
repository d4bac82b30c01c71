using Baton.Core.Throttling;
using Baton.Server.Api;
using Prometheus;

namespace Baton.Server.Metrics;

/// <summary>
/// Why this replica refuses submissions, as it decides it: how late its timers run (saturation), the least wait of the
/// jobs its agents claimed lately (whether the queue stands) and the completion rate the intake budget follows.
/// </summary>
public sealed class IntakeGauges
{
    public IntakeGauges(MetricRegistry registry, SaturationMonitor monitor, IntakeBudget intake)
    {
        Gauge lag = registry.Gauge("orchestrator_timer_lag_seconds", "How late this server's timers run, smoothed; over 0.01 the server counts as saturated.");
        Gauge standing = registry.Gauge("orchestrator_intake_queue_standing", "1 while every job claimed here over the last second or two waited longer than the target (the intake budget applies while saturated), 0 while one did not, -1 with no claims lately.");
        Gauge completions = registry.Gauge("orchestrator_intake_completions_per_second", "Jobs completed per second over the last two seconds, as the intake budget counts them.");
        registry.OnRefresh(_ =>
        {
            lag.Set(monitor.LagMs / 1000);
            standing.Set(intake.QueueStanding switch { true => 1, false => 0, null => -1 });
            completions.Set(intake.CompletionsPerSecond);
            return Task.CompletedTask;
        });
    }
}
