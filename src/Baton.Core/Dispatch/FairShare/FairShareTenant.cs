namespace Baton.Core.Dispatch.FairShare;

/// <summary>
/// One tenant as a shared-pool claim sees it: its weight, the agent-seconds it used on shared agents
/// over the fair-share window (running jobs count their elapsed time so far), its active jobs against
/// its concurrency cap, and the head of its ready jobs the agent can run, best first.
/// </summary>
public sealed record FairShareTenant(
    string TenantId,
    double Weight,
    double UsedAgentSeconds,
    int ActiveJobs,
    int ConcurrencyLimit,
    IReadOnlyList<FairShareJob> Ready);

/// <summary>A ready job: its effective priority (job plus queue) and when it was submitted.</summary>
public sealed record FairShareJob(string JobId, int Priority, DateTimeOffset SubmittedAt);

/// <summary>One decision: give a free slot this tenant's job.</summary>
public sealed record FairSharePick(string TenantId, FairShareJob Job);
