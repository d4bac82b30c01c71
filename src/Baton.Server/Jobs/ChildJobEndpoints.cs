using Baton.Core.Api;
using Baton.Core.Jobs;
using Baton.Server.AgentProtocol;
using Baton.Server.Api;
using Baton.Server.Dispatch;
using Baton.Server.Hosting;
using Baton.Storage;
using Microsoft.Extensions.Options;

namespace Baton.Server.Jobs;

/// <summary>
/// Child jobs over the job's channel (<c>/api/agent/v1/jobs/{jobId}/children…</c>): a running job submits jobs in its
/// own tenant (the same checks as <c>POST /api/v1/jobs</c>, plus a depth limit) and waits for the ones it started.
/// </summary>
public static class ChildJobEndpoints
{
    public const double MaxWaitSeconds = 30;
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(1);

    public static void MapChildJobChannel(this RouteGroupBuilder job)
    {
        job.MapPost("/children", SubmitAsync).Produces<ChildJobDto>();
        job.MapPost("/children/{childId}/wait", WaitAsync).Produces<ChildJobDto>();
    }

    private static async Task<IResult> SubmitAsync(
        string jobId, SubmitChildJobRequest request, HttpContext context, IBatonStore store, JobSubmissionService submissions,
        IOptions<ServerOptions> options, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Package)) return Problems.Validation("package is required.", "package");
        var (parent, refusal) = await JobChannelScope.ResolveAsync(context, jobId, request.Attempt, store, ct);
        if (refusal is not null) return refusal;
        var tenantId = parent!.TenantId;
        var depth = await store.Lineage.DepthOfAsync(tenantId, jobId, ct) + 1;
        var maxDepth = options.Value.WorkItems.MaxChildDepth;
        if (depth > maxDepth)
        {
            return Problems.Make(StatusCodes.Status422UnprocessableEntity, ProblemTypes.Validation, "Child jobs nest too deep",
                $"Job {jobId} is itself a child job at depth {depth - 1}; child jobs may nest at most {maxDepth} levels deep, so it cannot start another.",
                "package");
        }
        var outcome = await submissions.TrySubmitAsync(tenantId, new SubmitJobRequest(
            request.Package, request.Version, request.Inputs, request.Priority, Queue: request.Queue, IdempotencyKey: request.IdempotencyKey), null, ct);
        if (outcome.Problem is not null) return outcome.Problem;
        await store.Lineage.RecordAsync(tenantId, outcome.Job!.Id, jobId, depth, ct);
        return Results.Ok(new ChildJobDto(outcome.Job.ToDto(), depth));
    }

    private static async Task<IResult> WaitAsync(
        string jobId, string childId, WaitChildJobRequest request, HttpContext context, IBatonStore store, WakeUpSignals signals, TimeProvider time,
        CancellationToken ct)
    {
        if (request.TimeoutSeconds is < 0 or > MaxWaitSeconds) return Problems.Validation($"timeoutSeconds must be between 0 and {MaxWaitSeconds}.", "timeoutSeconds");
        var (parent, refusal) = await JobChannelScope.ResolveAsync(context, jobId, request.Attempt, store, ct);
        if (refusal is not null) return refusal;
        var tenantId = parent!.TenantId;
        // A job waits only for the jobs it started.
        if (await store.Lineage.ParentOfAsync(tenantId, childId, ct) != jobId) return Problems.NotFound($"Child job {childId}");
        var depth = await store.Lineage.DepthOfAsync(tenantId, childId, ct);
        var deadline = time.GetUtcNow() + TimeSpan.FromSeconds(request.TimeoutSeconds ?? MaxWaitSeconds);
        try
        {
            while (true)
            {
                // Subscribe before reading, so an end written meanwhile is not missed; a write on another replica is seen within a second.
                using var wakeUp = signals.Subscribe(WakeUpSignals.JobLogs(childId));
                var child = await store.Jobs.GetAsync(tenantId, childId, ct);
                if (child is null) return Problems.NotFound($"Child job {childId}");
                var remaining = deadline - time.GetUtcNow();
                if (child.State.IsTerminal() || remaining <= TimeSpan.Zero) return Results.Ok(new ChildJobDto(child.ToDto(), depth));
                await wakeUp.WaitAsync(remaining < Recheck ? remaining : Recheck, time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return Results.Empty;
        }
    }
}
