using System.Collections.Concurrent;
using Baton.Core.Dispatch;
using Baton.Server.Hosting;
using Baton.Server.Tenancy;
using Baton.Storage;
using Baton.Storage.Model;
using Microsoft.Extensions.Options;

namespace Baton.Server.Dispatch;

/// <summary>
/// Gives an agent's free slots the best jobs it may run: only its tenant's jobs, only those whose
/// requirements its capabilities meet, of queues its group serves, within the tenant's and queues'
/// caps, reservations and its free resources; priority, then age, then locality (see <see cref="JobChooser"/>).
/// Claims are batched per tenant on this replica (<see cref="ClaimBatcher"/>).
/// </summary>
public sealed class JobDispatcher(
    ClaimBatcher batcher,
    TenantDirectory tenants,
    IOptions<ServerOptions> options)
{
    private readonly ConcurrentDictionary<string, IReadOnlyList<Requirement>> _parsed = new();

    /// <summary>
    /// Claims for the agent in the tenant's next batched claim and returns what it gave (maybe nothing) — for
    /// a caller that will not wait, such as a completion that also asks for the next job.
    /// <paramref name="cachedPackages"/>: what the agent reported in its cache (locality). The agent's group
    /// and resources come from <paramref name="agent"/>; an agent reporting 0 CPU or memory offers none.
    /// </summary>
    public async Task<IReadOnlyList<JobRecord>> ClaimForAgentAsync(
        AgentRecord agent, int freeSlots, IReadOnlySet<string> cachedPackages, CancellationToken cancellationToken)
    {
        return await JoinLineAsync(agent, freeSlots, cachedPackages, waits: false, cancellationToken) is { } ticket
            ? await ticket.TakeAsync(cancellationToken)
            : [];
    }

    /// <summary>
    /// A place in the tenant's line for batched claims (<see cref="ClaimBatcher"/>); null when the agent has no
    /// free slot or its tenant is gone. A waiting ticket stays in line until it is given jobs or withdrawn.
    /// </summary>
    public async Task<ClaimTicket?> JoinLineAsync(
        AgentRecord agent, int freeSlots, IReadOnlySet<string> cachedPackages, bool waits, CancellationToken cancellationToken)
    {
        if (freeSlots <= 0) return null;
        var tenant = await tenants.GetAsync(agent.TenantId, cancellationToken);
        if (tenant is null) return null;

        var capabilities = CapabilitySet.From(
            agent.Capabilities.Os, agent.Capabilities.Arch,
            agent.Capabilities.Pythons.Select(p => p.Version), agent.Capabilities.Labels);
        return batcher.Enqueue(new JobClaimRequest(
            agent.TenantId,
            agent.Id,
            freeSlots,
            tenant.Quotas.ConcurrentJobs,
            options.Value.AgentTtl,
            job => RequirementMatcher.FirstUnmet(capabilities, ParseRequirements(job)) is null)
        {
            AgentGroup = agent.Group,
            AgentCpuMillicores = agent.Resources.CpuCores > 0 ? agent.Resources.CpuCores * 1000 : null,
            AgentMemoryMb = agent.Resources.MemoryMb > 0 ? agent.Resources.MemoryMb : null,
            CachedPackages = cachedPackages,
        }, waits);
    }

    /// <summary>Requirements are validated at submission; parsed ones are cached per job.</summary>
    public IReadOnlyList<Requirement> ParseRequirements(JobRecord job)
    {
        if (_parsed.TryGetValue(job.Id, out var cached)) return cached;
        var list = new List<Requirement>(job.Requirements.Count);
        foreach (var text in job.Requirements)
        {
            if (Requirement.TryParse(text, out var requirement, out _) && requirement is not null) list.Add(requirement);
        }
        if (_parsed.Count > 50_000) _parsed.Clear();
        _parsed[job.Id] = list;
        return list;
    }
}
