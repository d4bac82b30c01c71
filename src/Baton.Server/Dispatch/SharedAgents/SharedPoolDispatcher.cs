using Baton.Core.Dispatch;
using Baton.Core.Dispatch.FairShare;
using Baton.Server.Hosting;
using Baton.Storage;
using Baton.Storage.Model;
using Microsoft.Extensions.Options;

namespace Baton.Server.Dispatch.SharedAgents;

/// <summary>
/// Gives a shared agent's free slots jobs of the participating tenants: one system-scope read of each
/// tenant's counts, fair-share usage and ready head; <see cref="FairShareQueue"/> ranks them (priority,
/// then agent-seconds used over weight, then age); each run of picks for one tenant is claimed through
/// that tenant's own claim transaction, so its concurrency cap and queue caps hold exactly — also
/// together with its own agents and other dispatchers. A tenant whose claim comes back short is
/// skipped and the remaining slots are ranked again.
/// </summary>
/// <remarks>
/// The claim joins the tenant's line of batched claims (<see cref="ClaimBatcher"/>) like a poll of the tenant's own
/// agents: twenty shared agents polling for one busy tenant share one claim transaction and take the tenant's claim
/// lock once, instead of queueing on it one after another (on PostgreSQL each waited about 600 ms for it).
/// </remarks>
public sealed class SharedPoolDispatcher(
    IBatonStore store,
    SharedPoolDirectory participants,
    JobDispatcher tenantDispatcher,
    ClaimBatcher batcher,
    IOptions<ServerOptions> options,
    TimeProvider time,
    ILogger<SharedPoolDispatcher> logger)
{
    public async Task<IReadOnlyList<JobRecord>> ClaimForSharedAgentAsync(AgentRecord agent, int freeSlots, CancellationToken cancellationToken)
    {
        if (freeSlots <= 0) return [];
        var tenants = await participants.ListParticipantsAsync(cancellationToken);
        if (tenants.Count == 0) return [];

        var settings = options.Value;
        var capabilities = CapabilitySet.From(
            agent.Capabilities.Os, agent.Capabilities.Arch,
            agent.Capabilities.Pythons.Select(p => p.Version), agent.Capabilities.Labels);
        bool CanRun(JobRecord job) => RequirementMatcher.FirstUnmet(capabilities, tenantDispatcher.ParseRequirements(job)) is null;

        var byId = tenants.ToDictionary(t => t.Id, StringComparer.Ordinal);
        var snapshot = await store.SharedPool.ReadSnapshotAsync(
            new SharedPoolQuery([.. byId.Keys], time.GetUtcNow() - settings.FairShareWindow, settings.SharedPoolHeadSize), cancellationToken);
        var queue = new FairShareQueue(snapshot
            .Where(state => state.Ready.Count > 0)
            .Select(state => new FairShareTenant(
                state.TenantId,
                byId[state.TenantId].Quotas.SharedPoolWeight,
                state.UsedAgentSeconds,
                state.ActiveJobs,
                byId[state.TenantId].Quotas.ConcurrentJobs,
                [.. state.Ready.Where(r => CanRun(r.Job)).Select(r => new FairShareJob(r.Job.Id, r.EffectivePriority, r.Job.SubmittedAt))])),
            settings.FairShareChargePerJob.TotalSeconds);

        var claimed = new List<JobRecord>();
        while (claimed.Count < freeSlots)
        {
            var picks = queue.PickMany(freeSlots - claimed.Count);
            if (picks.Count == 0) break;
            var start = 0;
            while (start < picks.Count)
            {
                var tenantId = picks[start].TenantId;
                var count = 1;
                while (start + count < picks.Count && picks[start + count].TenantId == tenantId) count++;
                start += count;

                var tenant = byId[tenantId];
                var got = await batcher.Enqueue(new JobClaimRequest(
                    tenantId, agent.Id, count, tenant.Quotas.ConcurrentJobs, settings.AgentTtl, CanRun,
                    CandidateLimit: Math.Max(settings.SharedPoolHeadSize, count))
                {
                    // The same group and resource rules as for a tenant's own agents.
                    AgentGroup = agent.Group,
                    AgentCpuMillicores = agent.Resources.CpuCores > 0 ? agent.Resources.CpuCores * 1000 : null,
                    AgentMemoryMb = agent.Resources.MemoryMb > 0 ? agent.Resources.MemoryMb : null,
                }, waits: false).TakeAsync(cancellationToken);
                claimed.AddRange(got);
                if (got.Count < count)
                {
                    // Its ready jobs went to another agent, or a cap or queue stopped the claim: rank the rest without it.
                    queue.Refund(tenantId, count - got.Count);
                    queue.Exclude(tenantId);
                }
            }
        }

        if (claimed.Count > 0)
        {
            logger.LogDebug("Assigned {Count} job(s) of {Tenants} tenant(s) to shared agent {AgentId}",
                claimed.Count, claimed.Select(j => j.TenantId).Distinct(StringComparer.Ordinal).Count(), agent.Id);
        }
        return claimed;
    }
}
