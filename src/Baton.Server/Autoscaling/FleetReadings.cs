using System.Diagnostics;
using Baton.Core.Autoscaling;
using Baton.Core.Autoscaling.Anomalies;
using Baton.Core.Dispatch;
using Baton.Storage.Model;

namespace Baton.Server.Autoscaling;

/// <summary>A target's readings (by trigger key), its tenants' activity for the anomaly detector, and the slots of its ready replicas.</summary>
public sealed record TargetReadings(IReadOnlyDictionary<string, double> Readings, IReadOnlyList<TenantActivity> Tenants, int Slots);

/// <summary>
/// Turns one fleet snapshot into a target's readings. The trigger types read the autoscaler's own fleet read
/// (<see cref="Baton.Storage.IAutoscaleStore.ReadFleetAsync"/>), because they need what the metrics' fleet read does
/// not group by: for workers (an agent group), queue depth is the pending jobs of the queues that group serves and
/// CPU is the share of its online agents' slots in use; the anomaly detector needs each tenant's recent submissions
/// and fast failures. Fleet-wide: agent count, schedule count, webhook deliveries due (notification load). Per
/// replica: request rate (this replica's × the target's replicas), process CPU, and the scheduler's evaluation time
/// (mean tick since the previous evaluation, from <c>orchestrator_scheduler_tick_duration_seconds</c>).
/// A trigger that names a metric (<c>type: Metric</c>, or a <c>metricName</c>/<c>labels</c> of its own) reads it
/// through <see cref="IMetricReader"/>: the value <c>/metrics</c> shows, summed over the series its labels match.
/// </summary>
public sealed class FleetReadings(IRequestActivitySource requests, IMetricReader metrics, TimeProvider time)
{
    /// <summary>The scheduler's evaluation-time histogram (seconds per tick).</summary>
    public const string SchedulerTickMetric = "orchestrator_scheduler_tick_duration_seconds";

    private readonly ProcessCpu _cpu = new(time);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (double Count, double Sum)> _ticksSeen = new(StringComparer.Ordinal);

    public async Task<TargetReadings> ForAsync(ScalingPolicy policy, FleetSnapshot fleet, int replicas, TimeSpan maxPollWait, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var readings = new Dictionary<string, double>(StringComparer.Ordinal);
        var group = policy.Target.Group ?? AgentGroupNames.Default;
        var isWorker = policy.Target.Component == TargetComponent.Worker;
        var queues = isWorker ? fleet.Queues.Where(q => AgentGroupNames.Serves(q.AgentGroups, group)).ToList() : [.. fleet.Queues];
        var agents = isWorker ? fleet.Agents.Where(a => a.Group == group).ToList() : [.. fleet.Agents];
        var slots = agents.Sum(a => a.Slots);

        foreach (var trigger in policy.Triggers)
        {
            double? value = trigger.ReadingKey != TriggerTypes.Name(trigger.Type)
                ? await metrics.ReadAsync(trigger.MetricName ?? "", trigger.Labels, ct)
                : trigger.Type switch
            {
                TriggerType.QueueDepth => queues.Sum(q => q.Pending),
                TriggerType.CPUUtilization when isWorker => slots > 0 ? 100.0 * agents.Sum(a => a.ActiveJobs) / slots : null,
                TriggerType.CPUUtilization => _cpu.Percent(),
                TriggerType.RequestRate => requests.RequestsPerSecond(now) * Math.Max(1, replicas),
                TriggerType.AgentCount => fleet.Agents.Count,
                // Each agent polls at least once per poll wait: a floor on heartbeats per second.
                TriggerType.HeartbeatLoad => fleet.Agents.Count / Math.Max(1, maxPollWait.TotalSeconds),
                TriggerType.ScheduleCount => fleet.ActiveSchedules,
                TriggerType.NotificationRate => fleet.WebhookDeliveriesDue,
                TriggerType.EvaluationTime => await MeanTickSinceLastAsync(policy.Target.Key, ct),
                _ => null,
            };
            if (value is { } v) readings[trigger.ReadingKey] = v;
        }

        var activity = fleet.Tenants.ToDictionary(t => t.TenantId, StringComparer.Ordinal);
        var tenants = queues.GroupBy(q => q.TenantId, StringComparer.Ordinal)
            .Select(g => (Id: g.Key, Pending: g.Sum(q => q.Pending), Scheduled: g.Sum(q => q.ScheduledPending), Running: g.Sum(q => q.Running)))
            .Concat(activity.Keys.Where(id => queues.All(q => q.TenantId != id)).Select(id => (Id: id, Pending: 0, Scheduled: 0, Running: 0)))
            .Select(t =>
            {
                var recent = activity.GetValueOrDefault(t.Id);
                return new TenantActivity(t.Id, t.Pending, recent?.SubmittedLastMinute ?? 0, recent?.FinishedRecently ?? 0, recent?.FailedFastRecently ?? 0)
                {
                    ScheduledPending = t.Scheduled,
                    Running = t.Running,
                };
            })
            .ToList();
        return new TargetReadings(readings, tenants, slots);
    }

    /// <summary>
    /// The mean scheduler tick of this replica since the target's previous evaluation; null before the first one or
    /// when no tick ran in between (a replica without the scheduler role), so the trigger holds.
    /// </summary>
    private async Task<double?> MeanTickSinceLastAsync(string target, CancellationToken ct)
    {
        var count = await metrics.ReadAsync(SchedulerTickMetric + "_count", EmptyLabels, ct);
        var sum = await metrics.ReadAsync(SchedulerTickMetric + "_sum", EmptyLabels, ct);
        if (count is not { } c || sum is not { } s) return null;
        lock (_gate)
        {
            var had = _ticksSeen.TryGetValue(target, out var previous);
            _ticksSeen[target] = (c, s);
            return had && c > previous.Count ? (s - previous.Sum) / (c - previous.Count) : null;
        }
    }

    private static readonly IReadOnlyDictionary<string, string> EmptyLabels = new Dictionary<string, string>();

    /// <summary>This process's CPU use in percent of the machine since the previous reading.</summary>
    private sealed class ProcessCpu(TimeProvider time)
    {
        private TimeSpan _lastCpu = Process.GetCurrentProcess().TotalProcessorTime;
        private DateTimeOffset _lastAt = time.GetUtcNow();

        public double? Percent()
        {
            var now = time.GetUtcNow();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var wall = now - _lastAt;
            if (wall < TimeSpan.FromMilliseconds(500)) return null;
            var percent = 100 * (cpu - _lastCpu).TotalSeconds / (wall.TotalSeconds * Environment.ProcessorCount);
            (_lastCpu, _lastAt) = (cpu, now);
            return Math.Clamp(percent, 0, 100);
        }
    }
}

