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
/// a paused queue, the tenant's or the queue's concurrency cap, no online agent that meets its
/// requirements, no free slot on the agents that do, and how many ready jobs come before it.
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
        }

        if (queue is { MaxConcurrency: { } max })
        {
            var queueActive = await store.Queues.CountActiveAsync(tenantId, queue.Name, ct);
            if (queueActive >= max) reasons.Add($"queue '{queue.Name}' at {queueActive}/{max} concurrent jobs");
        }

        var agentReason = await ExplainAgentsAsync(tenantId, job, ct);
        if (agentReason is not null) reasons.Add(agentReason);

        var ahead = await store.Queues.CountAheadAsync(job, queue?.Priority ?? 0, ct);
        reasons.Add(ahead == 1 ? "1 job ahead of it" : $"{ahead} jobs ahead of it");
        return new JobWhyDto(job.Id, state, reasons);
    }

    private async Task<string?> ExplainAgentsAsync(string tenantId, JobRecord job, CancellationToken ct)
    {
        var online = (await store.Agents.ListAsync(tenantId, ct)).Where(a => a.State == AgentState.Online).ToList();
        if (online.Count == 0) return "no online agent";

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

        var running = await store.Agents.CountActiveJobsByAgentAsync(tenantId, ct);
        var slots = capable.Sum(a => a.Slots);
        var used = capable.Sum(a => Math.Min(a.Slots, running.GetValueOrDefault(a.Id)));
        return used >= slots
            ? $"no free slot on the {capable.Count} online agent(s) that can run it ({used}/{slots} slots in use)"
            : null;
    }

    private static string NotPending(JobRecord job) => job.State switch
    {
        JobState.Assigned => $"not waiting: assigned to agent {job.AgentId}",
        JobState.Running => $"not waiting: running on agent {job.AgentId}",
        _ => $"not waiting: the job is {job.State.ToText()}",
    };
}
