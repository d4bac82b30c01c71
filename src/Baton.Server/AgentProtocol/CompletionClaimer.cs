using Baton.Core.AgentProtocol;
using Baton.Core.Dispatch.FairShare;
using Baton.Server.Dispatch;
using Baton.Server.Dispatch.SharedAgents;
using Baton.Server.Security;

namespace Baton.Server.AgentProtocol;

/// <summary>
/// The claim a completion carries (<see cref="CompletionClaim"/>): the agent's next work handed out in the
/// answer to its completion, one request instead of a completion and a poll. It claims exactly as a poll
/// does, through the dispatchers; unlike a poll it releases nothing (see <see cref="CompletionClaim"/>).
/// </summary>
public sealed class CompletionClaimer(
    CredentialCache credentials, JobDispatcher dispatcher, SharedPoolDispatcher sharedDispatcher, AgentPollHandler polls, HeldJobReads heldReads)
{
    public async Task<IReadOnlyList<JobAssignment>> ClaimAsync(string agentId, CompletionClaim claim, CancellationToken cancellationToken)
    {
        if (claim.FreeSlots <= 0) return [];
        var agent = await credentials.FindAgentAsync(agentId, cancellationToken);
        if (agent is null) return [];
        var cached = (claim.CachedPackages ?? []).Take(PollRequest.MaxCachedPackages).ToHashSet(StringComparer.Ordinal);
        var jobs = SharedPool.IsShared(agent.TenantId)
            ? await sharedDispatcher.ClaimForSharedAgentAsync(agent, claim.FreeSlots, cancellationToken)
            : await dispatcher.ClaimForAgentAsync(agent, claim.FreeSlots, cached, cancellationToken);
        // Assigned outside a poll: the agent's next poll must look for them if this answer is lost.
        heldReads.Assigned(agent.Id, jobs);
        var assignments = new List<JobAssignment>(jobs.Count);
        foreach (var job in jobs) assignments.Add(await polls.ToAssignmentAsync(job, cancellationToken));
        return assignments;
    }
}
