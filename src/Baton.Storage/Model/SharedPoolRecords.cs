namespace Baton.Storage.Model;

/// <summary>What a shared-pool claim reads: which tenants, from when usage counts, how many ready jobs per tenant.</summary>
public sealed record SharedPoolQuery(IReadOnlyList<string> TenantIds, DateTimeOffset WindowStart, int HeadSize);

/// <summary>One tenant's state for a shared-pool claim decision.</summary>
public sealed record SharedPoolTenantState(string TenantId, int ActiveJobs, double UsedAgentSeconds, IReadOnlyList<SharedPoolReadyJob> Ready);

/// <summary>A ready job with its effective priority (the job's plus its queue's).</summary>
public sealed record SharedPoolReadyJob(JobRecord Job, int EffectivePriority);

/// <summary>Agent-milliseconds a tenant used on shared agents within one minute (unix minutes, UTC).</summary>
public sealed record SharedPoolUsage(string TenantId, long Minute, long AgentMilliseconds);

/// <summary>A job as its holding agent sees it: enough to route the agent's call to the job's tenant.</summary>
public sealed record HeldJob(string JobId, string TenantId, int Attempt, string State, string PackageSha256);
