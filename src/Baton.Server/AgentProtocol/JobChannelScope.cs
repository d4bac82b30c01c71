using Baton.Core.Jobs;
using Baton.Server.Api;
using Baton.Server.Security;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.AgentProtocol;

/// <summary>
/// The job's channel: calls a running job makes through its agent (work items, child jobs). The agent names the job
/// and the attempt it runs; the call holds only while that agent holds that attempt of a job still assigned or running,
/// so a job acts in its own tenant only, and a job whose lease moved elsewhere can no longer act at all.
/// </summary>
public static class JobChannelScope
{
    public static async Task<(JobRecord? Job, IResult? Refusal)> ResolveAsync(
        HttpContext context, string jobId, int attempt, IBatonStore store, CancellationToken cancellationToken)
    {
        var agent = context.GetAgentCaller();
        if (await AgentJobScope.TenantOfAsync(agent, jobId, store, cancellationToken) is not { } tenantId) return (null, Problems.NotFound($"Job {jobId}"));
        var job = await store.Jobs.GetAsync(tenantId, jobId, cancellationToken);
        // Another agent's job (of the same tenant) is not found either: an agent speaks only for the jobs it runs.
        if (job is null || job.AgentId != agent.AgentId) return (null, Problems.NotFound($"Job {jobId}"));
        if (job.Attempt != attempt || job.State is not (JobState.Assigned or JobState.Running)) return (null, Problems.StaleAttempt(jobId, attempt));
        return (job, null);
    }
}
