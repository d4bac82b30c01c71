using Baton.Core.AgentProtocol;
using Baton.Storage.Model;

namespace Baton.Storage;

public interface IAgentStore
{
    /// <summary>
    /// Registers an agent unless the tenant already has <paramref name="maxOnlineAgents"/> online
    /// agents; the count and the insert are one atomic step.
    /// </summary>
    Task<AgentRegistrationResult> RegisterAsync(NewAgent agent, int maxOnlineAgents, CancellationToken cancellationToken);
    /// <summary>
    /// The agents among <paramref name="agentIds"/> (any tenant: a credential names no tenant until its agent is
    /// found), for authentication; ids not found are absent. Many at once because a fleet presents its credentials
    /// together (after a restart, every agent within one poll cycle): the credential cache reads them in batches.
    /// </summary>
    Task<IReadOnlyList<AgentRecord>> FindForAuthenticationAsync(IReadOnlyCollection<string> agentIds, CancellationToken cancellationToken);
    Task<AgentRecord?> GetAsync(string tenantId, string agentId, CancellationToken cancellationToken);
    Task<IReadOnlyList<AgentRecord>> ListAsync(string tenantId, CancellationToken cancellationToken);
    Task<int> CountOnlineAsync(string tenantId, CancellationToken cancellationToken);

    /// <summary>
    /// One batch of heartbeats: marks each agent online with its heartbeat time (and new
    /// capabilities/resources when given), and renews the lease of every reported job the
    /// agent still holds at that attempt to heartbeat time + <paramref name="leaseTtl"/>.
    /// Returns the agents that were offline and are now online again.
    /// </summary>
    Task<IReadOnlyList<string>> RecordHeartbeatsAsync(IReadOnlyList<AgentHeartbeat> heartbeats, TimeSpan leaseTtl, CancellationToken cancellationToken);

    /// <summary>Marks online agents silent since before <paramref name="silentSince"/> offline; returns them.</summary>
    Task<IReadOnlyList<AgentRecord>> MarkSilentAgentsOfflineAsync(DateTimeOffset silentSince, CancellationToken cancellationToken);

    /// <summary>
    /// The active jobs (assigned or running) each of <paramref name="agentIds"/> holds, in any tenant, in one read;
    /// an agent holding none is absent. What a poll reads to find lost assignments and its directives
    /// (<see cref="AgentDirectives.From"/>).
    /// </summary>
    Task<IReadOnlyDictionary<string, IReadOnlyList<HeldJob>>> ListHeldJobsAsync(IReadOnlyCollection<string> agentIds, CancellationToken cancellationToken);

    /// <summary>Agents of a tenant with the count of jobs each holds now.</summary>
    Task<IReadOnlyDictionary<string, int>> CountActiveJobsByAgentAsync(string tenantId, CancellationToken cancellationToken);

    /// <summary>Agents of a tenant with the jobs each holds now and the CPU and memory those jobs request.</summary>
    Task<IReadOnlyDictionary<string, AgentLoad>> GetActiveLoadsAsync(string tenantId, CancellationToken cancellationToken);
}

public enum AgentRegistrationResult
{
    Registered,
    QuotaExceeded,
}

public sealed record AgentDirectives(IReadOnlyList<JobRef> Cancel, IReadOnlyList<JobRef> Abandon)
{
    /// <summary>
    /// What an agent must do given the jobs the server says it holds and those it reports: stop the ones with a
    /// cancel request, and abandon reported attempts it no longer holds.
    /// </summary>
    public static AgentDirectives From(IEnumerable<HeldJob> held, IReadOnlyList<JobRef> running)
    {
        ArgumentNullException.ThrowIfNull(held);
        ArgumentNullException.ThrowIfNull(running);
        var heldList = held.ToList();
        var cancel = heldList.Where(job => job.CancelRequested).Select(job => new JobRef(job.JobId, job.Attempt)).ToList();
        var heldAttempts = heldList.Select(job => (job.JobId, job.Attempt)).ToHashSet();
        var abandon = running.Where(report => !heldAttempts.Contains((report.JobId, report.Attempt))).ToList();
        return new AgentDirectives(cancel, abandon);
    }
}
