using System.Diagnostics;
using Baton.Core.Autoscaling;
using Baton.Core.Autoscaling.Anomalies;
using Baton.Core.Dispatch;
using Baton.Storage.Model;

namespace Baton.Server.Autoscaling;

/// <summary>A target's readings (by trigger key), its tenants' activity for the anomaly detector, and the slots of its ready replicas.</summary>
public sealed record TargetReadings(IReadOnlyDictionary<string, double> Readings, IReadOnlyList<TenantActivity> Tenants, int Slots);

/// <summary>
/// Turns one fleet snapshot into a target's readings. For workers (an agent group): queue depth is the pending jobs
/// of the queues that group serves, CPU is the share of its online agents' slots in use (agents report capacity, not
/// load). Fleet-wide: agent count, schedule count, webhook deliveries due (notification load). Per replica, until the
/// metrics seam supplies fleet-wide figures: request rate (this replica's × the target's replicas), process CPU.
/// <c>orchestrator_job_queue_depth</c> and <c>orchestrator_agents_online</c> may be read by name with labels
/// (<c>tenant</c>, <c>queue</c>; <c>group</c>); any other <c>orchestrator_*</c> metric comes from
/// <see cref="IMetricReader"/>.
/// </summary>
public sealed class FleetReadings(IRequestActivitySource requests, IMetricReader metrics, TimeProvider time)
{
    private readonly ProcessCpu _cpu = new(time);

    public TargetReadings For(ScalingPolicy policy, FleetSnapshot fleet, int replicas, TimeSpan maxPollWait)
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
            double? value = trigger.ReadingKey == TriggerTypes.Name(trigger.Type) ? trigger.Type switch
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
                _ => null,
            } : ByName(trigger.MetricName ?? "", trigger.Labels, fleet);
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

    private double? ByName(string name, IReadOnlyDictionary<string, string> labels, FleetSnapshot fleet)
    {
        switch (name)
        {
            case "orchestrator_job_queue_depth" when labels.Keys.All(k => k is "tenant" or "queue"):
                return fleet.Queues
                    .Where(q => (!labels.TryGetValue("tenant", out var tenant) || q.TenantId == tenant) && (!labels.TryGetValue("queue", out var queue) || q.Queue == queue))
                    .Sum(q => q.Pending);
            case "orchestrator_agents_online" when labels.Keys.All(k => k is "group"):
                return fleet.Agents.Count(a => !labels.TryGetValue("group", out var group) || a.Group == group);
            default:
                return metrics.Read(name, labels);
        }
    }

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

/// <summary>
/// Reads any <c>orchestrator_*</c> metric by name and labels (summed over matching series), or null when it is not
/// known. The default knows none beyond what <see cref="FleetReadings"/> computes itself; the metrics work
/// (prometheus-net registry) plugs in here.
/// </summary>
public interface IMetricReader
{
    double? Read(string name, IReadOnlyDictionary<string, string> labels);
}

/// <summary>No metrics registry yet: every other metric has no reading (its trigger holds the size).</summary>
public sealed class NoMetricReader : IMetricReader
{
    public double? Read(string name, IReadOnlyDictionary<string, string> labels) => null;
}
