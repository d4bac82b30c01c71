namespace Baton.Storage.Model;

/// <summary>The stable types of tenant events (the outbox webhooks and the events stream read).</summary>
public static class TenantEventTypes
{
    public const string JobSucceeded = "job.succeeded";
    public const string JobFailed = "job.failed";
    public const string JobTimedOut = "job.timed_out";
    public const string JobCancelled = "job.cancelled";
    public const string AgentOffline = "agent.offline";
    public const string AgentOnline = "agent.online";
    public const string ScheduleAutoPaused = "schedule.auto_paused";
    public const string QuotaReached = "quota.reached";
    public const string AutoscaleScaled = "autoscale.scaled";
    public const string AnomalyDetected = "anomaly.detected";

    /// <summary>Every type a webhook may subscribe to, in documentation order.</summary>
    public static IReadOnlyList<string> All { get; } =
        [JobSucceeded, JobFailed, JobTimedOut, JobCancelled, AgentOffline, AgentOnline, ScheduleAutoPaused, QuotaReached, AutoscaleScaled, AnomalyDetected];

    /// <summary>A webhook subscription entry: a known type or <c>*</c> for all.</summary>
    public static bool IsSubscribable(string type) => type == "*" || All.Contains(type, StringComparer.Ordinal);

    /// <summary>Whether a subscription list (with <c>*</c> for all) covers <paramref name="type"/>.</summary>
    public static bool Matches(IReadOnlyList<string> subscription, string type) =>
        subscription.Any(s => s == "*" || string.Equals(s, type, StringComparison.Ordinal));
}
