using System.Globalization;

namespace Baton.Core.Autoscaling.Forecasting;

/// <summary>One bucket of a plan: unscheduled (forecast) and scheduled demand, and the replicas that serve it.</summary>
public sealed record PlannedBucket(DateTimeOffset Start, double ForecastAgentSeconds, double ScheduledAgentSeconds, int Replicas, string Method)
{
    public double TotalAgentSeconds => ForecastAgentSeconds + ScheduledAgentSeconds;
}

/// <summary>What the forecast asks for now (reached a lead time ahead), why, and the buckets ahead.</summary>
public sealed record CapacityPlan(int ReplicasNow, string Note, IReadOnlyList<PlannedBucket> Buckets);

/// <summary>
/// Turns demand into replicas: a bucket needs <c>ceil(agent-seconds / (300 s × slots × target utilisation))</c>
/// replicas, never more than <c>maxReplicas</c>. The replicas wanted now are the most any bucket from now to
/// now + lead time needs, so capacity is ready when the demand arrives (the lead time is the measured time
/// an agent takes to become ready, plus one evaluation).
/// </summary>
public static class CapacityPlanner
{
    public static CapacityPlan Plan(
        DemandHistory history, IEnumerable<UpcomingRun> upcoming, DateTimeOffset now, TimeSpan horizon, TimeSpan lead,
        PredictiveSettings settings, ReplicaLimits limits)
    {
        var forecast = DemandForecaster.Forecast(history, now, horizon);
        var scheduled = ScheduledDemand.PerBucket(upcoming, now, forecast.Count);
        var buckets = new PlannedBucket[forecast.Count];
        for (var i = 0; i < forecast.Count; i++)
        {
            var total = forecast[i].AgentSeconds + scheduled[i];
            buckets[i] = new PlannedBucket(forecast[i].Start, forecast[i].AgentSeconds, scheduled[i], ReplicasFor(total, settings, limits), forecast[i].Method);
        }
        var lastBucket = DemandHistory.BucketOf(now + lead);
        var window = buckets.Where(b => DemandHistory.BucketOf(b.Start) <= lastBucket).DefaultIfEmpty(buckets[0]);
        var peak = window.MaxBy(b => b.Replicas)!;
        var note = string.Create(CultureInfo.InvariantCulture,
            $"{peak.TotalAgentSeconds:0} agent-s due {peak.Start:HH:mm}–{peak.Start + DemandHistory.Bucket:HH:mm} ({peak.ScheduledAgentSeconds:0} scheduled, {peak.ForecastAgentSeconds:0} {peak.Method}), lead {lead.TotalSeconds:0}s");
        return new CapacityPlan(peak.Replicas, note, buckets);
    }

    public static int ReplicasFor(double agentSeconds, PredictiveSettings settings, ReplicaLimits limits)
    {
        var capacity = DemandHistory.BucketSeconds * settings.SlotsPerReplica * settings.TargetUtilization;
        var wanted = (int)Math.Ceiling(Math.Max(0, agentSeconds) / capacity - 1e-9);
        return Math.Min(limits.MaxReplicas, wanted);
    }
}
