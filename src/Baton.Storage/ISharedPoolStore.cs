using Baton.Storage.Model;

namespace Baton.Storage;

/// <summary>
/// The shared agent pool: what a shared agent's claim needs to rank tenants (a system-scope read
/// across the participating tenants), agent-seconds accounting, and the lookups that let the agent
/// protocol find the tenant of a job a shared agent holds. The claim itself goes through the
/// tenant-scoped <see cref="IJobStore.ClaimAsync"/>, so tenant and queue caps hold exactly as for
/// the tenant's own agents.
/// </summary>
public interface ISharedPoolStore
{
    /// <summary>
    /// Per tenant in <see cref="SharedPoolQuery.TenantIds"/>: its assigned and running jobs, the
    /// agent-seconds it used on shared agents since <see cref="SharedPoolQuery.WindowStart"/> (recorded
    /// usage plus the elapsed time of its jobs running on shared agents now), and up to
    /// <see cref="SharedPoolQuery.HeadSize"/> of its ready pending jobs outside paused queues, best first.
    /// </summary>
    Task<IReadOnlyList<SharedPoolTenantState>> ReadSnapshotAsync(SharedPoolQuery query, CancellationToken cancellationToken);

    /// <summary>Adds agent-milliseconds used on shared agents to per-minute totals; drops totals older than <paramref name="pruneBefore"/>.</summary>
    Task RecordUsageAsync(IReadOnlyList<SharedPoolUsage> usage, DateTimeOffset pruneBefore, CancellationToken cancellationToken);

    /// <summary>Agent-seconds one tenant used on shared agents since <paramref name="since"/>, running jobs included.</summary>
    Task<double> GetUsedAgentSecondsAsync(string tenantId, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>The job when <paramref name="agentId"/> is (or was, at its current attempt) its holder; else null.</summary>
    Task<HeldJob?> FindHeldJobAsync(string agentId, string jobId, CancellationToken cancellationToken);

    /// <summary>The assigned and running jobs of an agent, across tenants.</summary>
    Task<IReadOnlyList<HeldJob>> ListHeldJobsAsync(string agentId, CancellationToken cancellationToken);

    /// <summary>Whether the agent holds an assigned or running job of a package with this content.</summary>
    Task<bool> HoldsPackageAsync(string agentId, string sha256, CancellationToken cancellationToken);
}
