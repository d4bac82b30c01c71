namespace Baton.Storage.Model;

/// <summary>The stable <see cref="JobEventRecord.Type"/> values every backend records.</summary>
public static class JobEventTypes
{
    public const string Submitted = "submitted";
    public const string Assigned = "assigned";
    public const string Started = "started";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string TimedOut = "timed_out";
    public const string Cancelled = "cancelled";
    public const string CancelRequested = "cancel_requested";
    public const string RetryScheduled = "retry_scheduled";
    public const string LeaseExpired = "lease_expired";
    public const string Released = "released";
    public const string PriorityChanged = "priority_changed";
}
