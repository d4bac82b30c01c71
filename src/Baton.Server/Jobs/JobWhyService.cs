using System.Globalization;
using Baton.Core.Api;
using Baton.Core.Dispatch;
using Baton.Core.Jobs;
using Baton.Server.Dispatch;
using Baton.Server.Tenancy;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Jobs;

/// <summary>
/// Explains in words why a job is waiting, most decisive first: not pending at all, retry backoff,
/// a paused queue, the tenant's or the queue's concurrency cap, slots reserved for higher-priority jobs,
/// no online agent in a group serving its queue, none that meets its requirements, none with the free
/// CPU or memory it requests, no free slot on the agents that could, and how many ready jobs come before it.
/// </summary>
public sealed class JobWhyService(IBatonStore store, TenantDirectory tenants, JobDispatcher dispatcher, TimeProvider time)
{
    public async Task<JobWhyDto?> ExplainAsync(string tenantId, string jobId, CancellationToken ct)
    {
        var job = await store.Jobs.GetAsync(tenantId, jobId, ct);
        if (job is null) return null;
        var state = job.State.ToText();
        if (job.State != JobState.Pending) return new JobWhyDto(job.Id, state, [NotPending(job)]);

        var reasons = new List<string>();
        if (job.NotBefore is { } notBefore && notBefore > time.GetUtcNow())
        {
            reasons.Add($"waiting for retry backoff until {notBefore.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}");
        }

        var queue = await store.Queues.GetAsync(tenantId, job.Queue, ct);
        if (queue is { Paused: true }) reasons.Add($"queue '{queue.Name}' is paused");

        var tenant = await tenants.GetAsync(tenantId, ct);
        if (tenant is not null)
        {
            var active = await store.Jobs.CountActiveAsync(tenantId, ct);
            var cap = tenant.Quotas.ConcurrentJobs;
            if (active >= cap) reasons.Add($"tenant at {active}/{cap} concurrent jobs");
            else if (queue is not null && queue.ReservedSlots > 0 && job.Priority < queue.ReservedMinPriority && cap - active <= queue.ReservedSlots)
            {
                reasons.Add($"{queue.ReservedSlots} of the tenant's slots are reserved for queue '{queue.Name}' jobs with priority >= {queue.ReservedMinPriority} " +
                    $"and only {cap - active} are free (this job has priority {job.Priority})");
            }
        }

        if (queue is { MaxConcurrency: { } max })
        {
            var queueActive = await store.Queues.CountActiveAsync(tenantId, queue.Name, ct);
            if (queueActive >= max) reasons.Add($"queue '{queue.Name}' at {queueActive}/{max} concurrent jobs");
        }

        var agentReason = await ExplainAgentsAsync(tenantId, job, queue, ct);
        if (agentReason is not null) reasons.Add(agentReason);

        var ahead = await store.Queues.CountAheadAsync(job, queue?.Priority ?? 0, ct);
        reasons.Add(ahead == 1 ? "1 job ahead of it" : $"{ahead} jobs ahead of it");
        return new JobWhyDto(job.Id, state, reasons);
    }

    private async Task<string?> ExplainAgentsAsync(string tenantId, JobRecord job, QueueRecord? queue, CancellationToken ct)
    {
        var online = (await store.Agents.ListAsync(tenantId, ct)).Where(a => a.State == AgentState.Online).ToList();
        if (online.Count == 0) return "no online agent";
        if (queue is { AgentGroups.Count: > 0 })
        {
            online = online.Where(a => AgentGroupNames.Serves(queue.AgentGroups, a.Group)).ToList();
            if (online.Count == 0) return $"no online agent in group(s) {string.Join(", ", queue.AgentGroups)} serves queue '{queue.Name}'";
        }

        var requirements = dispatcher.ParseRequirements(job);
        var capabilities = online.Select(a => (Agent: a, Set: CapabilitySet.From(
            a.Capabilities.Os, a.Capabilities.Arch, a.Capabilities.Pythons.Select(p => p.Version), a.Capabilities.Labels))).ToList();
        var capable = capabilities.Where(c => RequirementMatcher.FirstUnmet(c.Set, requirements) is null).Select(c => c.Agent).ToList();
        if (capable.Count == 0)
        {
            // The first requirement no online agent meets; else (each is met somewhere, never all at once) the first agent's first gap.
            var unmetByAll = requirements.FirstOrDefault(r => capabilities.All(c => !r.IsSatisfiedBy(c.Set)))
                ?? RequirementMatcher.FirstUnmet(capabilities[0].Set, requirements);
            return $"no online agent has {unmetByAll}";
        }

        var loads = await store.Agents.GetActiveLoadsAsync(tenantId, ct);
        var resourceReason = ExplainResources(job, capable, loads);
        if (resourceReason is not null) return resourceReason;

        var slots = capable.Sum(a => a.Slots);
        var used = capable.Sum(a => Math.Min(a.Slots, loads.GetValueOrDefault(a.Id, AgentLoad.None).Jobs));
        return used >= slots
            ? $"no free slot on the {capable.Count} online agent(s) that can run it ({used}/{slots} slots in use)"
            : null;
    }

    /// <summary>The same arithmetic as the claim: reported resources minus the requests of the jobs each agent holds.</summary>
    private static string? ExplainResources(JobRecord job, IReadOnlyList<AgentRecord> capable, IReadOnlyDictionary<string, AgentLoad> loads)
    {
        if (job.CpuMillicores > 0)
        {
            var largestFree = capable.Max(a => a.Resources.CpuCores * 1000 - loads.GetValueOrDefault(a.Id, AgentLoad.None).CpuMillicores);
            if (largestFree < job.CpuMillicores)
            {
                return $"needs {CpuAmount.Format(job.CpuMillicores)} CPU, the largest free is {CpuAmount.Format(Math.Max(0, largestFree))}";
            }
        }
        if (job.MemoryMb > 0)
        {
            var largestFree = capable.Max(a => a.Resources.MemoryMb - loads.GetValueOrDefault(a.Id, AgentLoad.None).MemoryMb);
            if (largestFree < job.MemoryMb) return $"needs {job.MemoryMb} MB of memory, the largest free is {Math.Max(0, largestFree)} MB";
        }
        if (job.CpuMillicores > 0 && job.MemoryMb > 0)
        {
            var fitsBoth = capable.Any(a =>
            {
                var load = loads.GetValueOrDefault(a.Id, AgentLoad.None);
                return a.Resources.CpuCores * 1000 - load.CpuMillicores >= job.CpuMillicores && a.Resources.MemoryMb - load.MemoryMb >= job.MemoryMb;
            });
            if (!fitsBoth) return $"needs {CpuAmount.Format(job.CpuMillicores)} CPU and {job.MemoryMb} MB of memory on one agent; no capable agent has both free";
        }
        return null;
    }

    private static string NotPending(JobRecord job) => job.State switch
    {
        JobState.Assigned => $"not waiting: assigned to agent {job.AgentId}",
        JobState.Running => $"not waiting: running on agent {job.AgentId}",
        _ => $"not waiting: the job is {job.State.ToText()}",
    };
}
