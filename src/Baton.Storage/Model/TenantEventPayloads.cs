using System.Text.Json;
using Baton.Core.Jobs;
using Baton.Storage.Serialization;

namespace Baton.Storage.Model;

/// <summary>
/// The payloads of the events the stores write inside their own transactions (job endings,
/// agents going offline or coming back), in the one JSON shape receivers see.
/// </summary>
public static class TenantEventPayloads
{
    /// <summary>The tenant event for a job that reached a final state; null for any other state.</summary>
    public static NewTenantEvent? ForFinishedJob(JobRecord job)
    {
        var type = job.State switch
        {
            JobState.Succeeded => TenantEventTypes.JobSucceeded,
            JobState.Failed => TenantEventTypes.JobFailed,
            JobState.TimedOut => TenantEventTypes.JobTimedOut,
            JobState.Cancelled => TenantEventTypes.JobCancelled,
            _ => null,
        };
        if (type is null) return null;
        var payload = new
        {
            jobId = job.Id,
            package = job.PackageName,
            version = job.PackageVersion,
            queue = job.Queue,
            state = job.State.ToText(),
            attempt = job.Attempt,
            maxAttempts = job.MaxAttempts,
            agentId = job.AgentId,
            exitCode = job.ExitCode,
            error = job.Error,
            submittedAt = job.SubmittedAt,
            startedAt = job.StartedAt,
            finishedAt = job.FinishedAt,
        };
        return new NewTenantEvent(job.TenantId, type, job.Id, JsonSerializer.SerializeToElement(payload, StoredJson.Options));
    }

    public static NewTenantEvent ForAgent(string tenantId, string agentId, string name, bool online, DateTimeOffset? lastHeartbeatAt)
    {
        var payload = new { agentId, name, state = online ? "online" : "offline", lastHeartbeatAt };
        return new NewTenantEvent(tenantId, online ? TenantEventTypes.AgentOnline : TenantEventTypes.AgentOffline, agentId,
            JsonSerializer.SerializeToElement(payload, StoredJson.Options));
    }
}
