using Baton.Core.Dispatch.FairShare;
using Baton.Server.Security;
using Baton.Storage;

namespace Baton.Server.AgentProtocol;

/// <summary>
/// Which tenant an agent's call about a job runs in. A tenant's own agent: its tenant. A shared agent
/// serves many tenants: the job's tenant, found by a lookup narrowed to jobs whose holder is this agent —
/// a job it does not hold is not found, so a shared agent can neither read nor write another's job.
/// The tenant-scoped write that follows still fences on agent id and attempt.
/// </summary>
public static class AgentJobScope
{
    public static async Task<string?> TenantOfAsync(AgentCaller agent, string jobId, IBatonStore store, CancellationToken cancellationToken)
    {
        if (!SharedPool.IsShared(agent.TenantId)) return agent.TenantId;
        var held = await store.SharedPool.FindHeldJobAsync(agent.AgentId, jobId, cancellationToken);
        return held?.TenantId;
    }
}
