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
/// </summary>
public sealed class JobDispatcher(
    IBatonStore store,
    TenantDirectory tenants,
    IOptions<ServerOptions> options,
    ILogger<JobDispatcher> logger)
{
    private readonly ConcurrentDictionary<string, IReadOnlyList<Requirement>> _parsed = new();

    /// <summary>
    /// <paramref name="cachedPackages"/>: what the agent reported in its cache (locality). The agent's group
    /// and resources come from <paramref name="agent"/>; an agent reporting 0 CPU or memory offers none.
    /// </summary>
    /// <param name="onPassedOver">Called when a ready job was left because this agent cannot run it (another agent may).</param>
    public async Task<IReadOnlyList<JobRecord>> ClaimForAgentAsync(
        AgentRecord agent, int freeSlots, IReadOnlySet<string> cachedPackages, CancellationToken cancellationToken, Action? onPassedOver = null)
    {
        if (freeSlots <= 0) return [];
        var tenant = await tenants.GetAsync(agent.TenantId, cancellationToken);
        if (tenant is null) return [];

        var capabilities = CapabilitySet.From(
            agent.Capabilities.Os, agent.Capabilities.Arch,
            agent.Capabilities.Pythons.Select(p => p.Version), agent.Capabilities.Labels);

        var claimed = await store.Jobs.ClaimAsync(new JobClaimRequest(
            agent.TenantId,
            agent.Id,
            freeSlots,
            tenant.Quotas.ConcurrentJobs,
            options.Value.AgentTtl,
            job =>
            {
                if (RequirementMatcher.FirstUnmet(capabilities, ParseRequirements(job)) is null) return true;
                onPassedOver?.Invoke();
                return false;
            })
        {
            AgentGroup = agent.Group,
            AgentCpuMillicores = agent.Resources.CpuCores > 0 ? agent.Resources.CpuCores * 1000 : null,
            AgentMemoryMb = agent.Resources.MemoryMb > 0 ? agent.Resources.MemoryMb : null,
            CachedPackages = cachedPackages,
        }, cancellationToken);

        if (claimed.Count > 0)
        {
            logger.LogDebug("Assigned {Count} job(s) to agent {AgentId}", claimed.Count, agent.Id);
        }
        return claimed;
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
