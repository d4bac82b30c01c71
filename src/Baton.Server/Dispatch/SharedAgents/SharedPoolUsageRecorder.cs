using Baton.Server.Hosting;
using Baton.Storage;
using Baton.Storage.Model;
using Microsoft.Extensions.Options;

namespace Baton.Server.Dispatch.SharedAgents;

/// <summary>
/// Credits a finished job's run on a shared agent to its tenant's per-minute agent-seconds. Only the
/// minutes inside the longest window anyone reads (a day, for "today") are kept; a run's minutes
/// before that are not recorded at all.
/// </summary>
public sealed class SharedPoolUsageRecorder(IBatonStore store, IOptions<ServerOptions> options, TimeProvider time, ILogger<SharedPoolUsageRecorder> logger)
{
    /// <summary>How long per-minute usage is kept: "today" and the fair-share window both fit.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(2);

    public async Task RecordAsync(JobRecord job, CancellationToken cancellationToken)
    {
        var start = job.StartedAt ?? job.AssignedAt;
        var end = job.FinishedAt ?? time.GetUtcNow();
        if (start is null || end <= start) return;
        var now = time.GetUtcNow();
        var keepFrom = now - (Retention > options.Value.FairShareWindow ? Retention : options.Value.FairShareWindow);
        var usage = SharedPoolMinutes.Split(job.TenantId, start.Value, end, keepFrom);
        try
        {
            await store.SharedPool.RecordUsageAsync(usage, keepFrom, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Usage only steers fair share; losing one job's credit must not fail the agent's completion.
            logger.LogWarning(ex, "Could not record shared-pool usage of job {JobId}", job.Id);
        }
    }
}
