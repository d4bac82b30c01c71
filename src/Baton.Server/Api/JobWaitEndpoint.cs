using Baton.Core.Jobs;
using Baton.Server.Dispatch;
using Baton.Server.Security;
using Baton.Storage;

namespace Baton.Server.Api;

/// <summary>
/// <c>GET /api/v1/jobs/{id}/wait?state=S&amp;timeout=T</c>: a long-poll for one job of the caller's
/// tenant. Answers with the job as soon as it has ended, or has left state <c>S</c> when given, else
/// after <c>T</c> seconds (default 30, at most 60) with the job as it is; the client asks again. The
/// end of a job wakes it at once (the same wake-up as the log stream); a state written on another
/// replica is seen within a second.
/// </summary>
public static class JobWaitEndpoint
{
    public const int DefaultTimeoutSeconds = 30;
    public const int MaxTimeoutSeconds = 60;
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(1);

    public static async Task<IResult> WaitAsync(
        string jobId, HttpContext context, IBatonStore store, WakeUpSignals signals, TimeProvider time, string? state, int? timeout,
        CancellationToken ct)
    {
        if (timeout is < 0 or > MaxTimeoutSeconds) return Problems.Validation($"timeout must be between 0 and {MaxTimeoutSeconds} seconds.", "timeout");
        JobState? leaving = null;
        if (state is not null)
        {
            if (!JobStates.TryParse(state, out var parsed))
                return Problems.Validation($"state must be one of {string.Join(", ", JobStates.All.Select(s => s.ToText()))}.", "state");
            leaving = parsed;
        }

        var tenantId = context.GetCaller().TenantId;
        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(timeout ?? DefaultTimeoutSeconds);
        try
        {
            while (true)
            {
                // Subscribe before reading, so an end written meanwhile is not missed.
                using var wakeUp = signals.Subscribe(WakeUpSignals.JobLogs(jobId));
                var job = await store.Jobs.GetAsync(tenantId, jobId, ct);
                if (job is null) return Problems.NotFound($"Job {jobId}");
                var remaining = deadline - time.GetUtcNow();
                if (job.State.IsTerminal() || (leaving is { } from && job.State != from) || remaining <= TimeSpan.Zero) return Results.Ok(job.ToDto());
                await wakeUp.WaitAsync(remaining < Recheck ? remaining : Recheck, time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away.
            return Results.Empty;
        }
    }
}
