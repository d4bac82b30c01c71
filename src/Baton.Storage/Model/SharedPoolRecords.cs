namespace Baton.Storage.Model;

/// <summary>What a shared-pool claim reads: which tenants, from when usage counts, how many ready jobs per tenant.</summary>
public sealed record SharedPoolQuery(IReadOnlyList<string> TenantIds, DateTimeOffset WindowStart, int HeadSize);

/// <summary>One tenant's state for a shared-pool claim decision.</summary>
public sealed record SharedPoolTenantState(string TenantId, int ActiveJobs, double UsedAgentSeconds, IReadOnlyList<SharedPoolReadyJob> Ready);

/// <summary>A ready job with its effective priority (the job's plus its queue's).</summary>
public sealed record SharedPoolReadyJob(JobRecord Job, int EffectivePriority);

/// <summary>Agent-milliseconds a tenant used on shared agents within one minute (unix minutes, UTC).</summary>
public sealed record SharedPoolUsage(string TenantId, long Minute, long AgentMilliseconds);

/// <summary>
/// A job as its holding agent sees it: enough to route the agent's call to the job's tenant, to find
/// assignments that never reached it, and to tell it what to cancel.
/// </summary>
public sealed record HeldJob(string JobId, string TenantId, int Attempt, string State, string PackageSha256)
{
    /// <summary>The select list of a held job over <c>jobs</c>, which Dapper reads into the properties.</summary>
    internal const string Select =
        "id AS JobId, tenant_id AS TenantId, attempt AS Attempt, state AS State, package_sha256 AS PackageSha256, " +
        "assigned_at AS AssignedAt, cancel_requested AS CancelRequested";

    private HeldJob() : this("", "", 0, "", "")
    {
    }

    /// <summary>When this attempt was assigned.</summary>
    public DateTimeOffset? AssignedAt { get; init; }

    /// <summary>A cancel was requested and the agent must stop it.</summary>
    public bool CancelRequested { get; init; }
}

/// <summary>Per-minute buckets of shared-pool usage (unix minutes, UTC).</summary>
public static class SharedPoolMinutes
{
    public const long MillisecondsPerMinute = 60_000;

    public static long MinuteOf(DateTimeOffset at) => at.ToUnixTimeMilliseconds() / MillisecondsPerMinute;

    /// <summary>Splits a run into per-minute agent-milliseconds, leaving out the time before <paramref name="notBefore"/>.</summary>
    public static IReadOnlyList<SharedPoolUsage> Split(string tenantId, DateTimeOffset start, DateTimeOffset end, DateTimeOffset notBefore)
    {
        var usage = new List<SharedPoolUsage>();
        var from = Math.Max(start.ToUnixTimeMilliseconds(), notBefore.ToUnixTimeMilliseconds());
        var to = end.ToUnixTimeMilliseconds();
        while (from < to)
        {
            var minute = from / MillisecondsPerMinute;
            var minuteEnd = Math.Min(to, (minute + 1) * MillisecondsPerMinute);
            usage.Add(new SharedPoolUsage(tenantId, minute, minuteEnd - from));
            from = minuteEnd;
        }
        return usage;
    }
}
