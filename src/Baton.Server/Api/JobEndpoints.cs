using Baton.Core.Api;
using Baton.Core.Jobs;
using Baton.Server.Artifacts;
using Baton.Server.Dispatch;
using Baton.Server.Jobs;
using Baton.Server.Security;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Api;

public static class JobEndpoints
{
    public static void MapJobEndpoints(this IEndpointRouteBuilder api)
    {
        var jobs = api.MapGroup("/jobs");
        jobs.MapPost("", (SubmitJobRequest request, HttpContext context, JobSubmissionService submissions, CancellationToken ct) =>
            submissions.SubmitAsync(context.GetCaller().TenantId, request, context.Request.Headers["Idempotency-Key"].FirstOrDefault(), ct))
            .RequireAuthorization(AuthPolicies.Operator)
            .Produces<JobDto>(StatusCodes.Status201Created)
            // 200: the Idempotency-Key was used before; the job it made.
            .Produces<JobDto>()
            // The largest input any tier or override allows; the tenant's own limit is checked on the inputs.
            .WithBodyLimit(_ => Core.Tenancy.QuotaOverrides.MaxJobInputKb * 1024L + 64 * 1024);
        // A batch as a whole may be as large as one submission with the largest input; each item's inputs are checked
        // against the tenant's own limit.
        jobs.MapPost("/batch", SubmitBatchAsync).RequireAuthorization(AuthPolicies.Operator).Produces<SubmitJobBatchResponse>()
            .WithBodyLimit(_ => Core.Tenancy.QuotaOverrides.MaxJobInputKb * 1024L + 64 * 1024);
        jobs.MapGet("", ListAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<ListResponse<JobDto>>();
        jobs.MapGet("/{jobId}", GetAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<JobDto>();
        jobs.MapPatch("/{jobId}", UpdateAsync).RequireAuthorization(AuthPolicies.Operator).Produces<JobDto>();
        jobs.MapPost("/{jobId}/cancel", CancelAsync).RequireAuthorization(AuthPolicies.Operator).Produces<JobDto>();
        jobs.MapGet("/{jobId}/events", EventsAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<ListResponse<JobEventDto>>();
        jobs.MapGet("/{jobId}/why", async (string jobId, HttpContext context, JobWhyService why, CancellationToken ct) =>
            await why.ExplainAsync(context.GetCaller().TenantId, jobId, ct) is { } answer ? Results.Ok(answer) : Problems.NotFound($"Job {jobId}"))
            .RequireAuthorization(AuthPolicies.Viewer).Produces<JobWhyDto>();
        jobs.MapGet("/{jobId}/logs", JobLogEndpoint.GetLogsAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<LogPageDto>()
            .ProducesEventStream("With follow=true or Accept: text/event-stream: each line as `event: log` (id = its seq, data = a LogLineDto), then `event: end` with the finished JobDto.");
        jobs.MapGet("/{jobId}/logs/compact", JobLogEndpoint.GetCompactPageAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<CompactLogPageDto>();
        jobs.MapGet("/{jobId}/wait", JobWaitEndpoint.WaitAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<JobDto>();
        jobs.MapArtifactEndpoints();
    }

    /// <summary>Up to 1,000 submissions in one request and one transaction, each answered as a single submission would be.</summary>
    private static async Task<IResult> SubmitBatchAsync(
        SubmitJobBatchRequest request, HttpContext context, JobSubmissionService submissions, SaturationMonitor saturation,
        Core.Throttling.IntakeBudget intake, CancellationToken ct)
    {
        var items = request.Jobs;
        if (items is null || items.Count == 0) return Problems.Validation("jobs must list at least one submission.", "jobs");
        if (items.Count > SubmitJobBatchRequest.MaxJobs)
        {
            return Problems.Validation($"A batch holds at most {SubmitJobBatchRequest.MaxJobs} submissions, not {items.Count}.", "jobs");
        }
        if (items.Any(item => item is null)) return Problems.Validation("Every entry of jobs must be a submission object.", "jobs");
        if (!intake.TryAdmit(items.Count, saturation.IsSaturated))
        {
            context.Response.Headers.RetryAfter = "2";
            return Problems.Make(StatusCodes.Status503ServiceUnavailable, ProblemTypes.ServerBusy, "Server busy",
                $"The server is saturated and admits submissions at the rate it completes jobs; nothing was changed. Retry in 2 s, or send fewer than {items.Count} at once.");
        }

        var outcomes = await submissions.SubmitBatchAsync(context.GetCaller().TenantId, items, ct);
        var results = outcomes.Select((outcome, index) =>
        {
            if (outcome.Problem is null)
            {
                return new SubmitJobBatchItemResult(index, outcome.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK, outcome.Job!.ToDto(), null);
            }
            var problem = Problems.Describe(outcome.Problem);
            return new SubmitJobBatchItemResult(index, problem.Status, null, problem);
        }).ToList();
        return Results.Ok(new SubmitJobBatchResponse(
            results.Count(r => r.Status == StatusCodes.Status201Created),
            results.Count(r => r.Status == StatusCodes.Status200OK),
            results.Count(r => r.Problem is not null),
            results));
    }

    private static async Task<IResult> ListAsync(
        HttpContext context, IBatonStore store, string? state, string? package, string? queue, DateTimeOffset? since, string? cursor, int? limit,
        CancellationToken ct)
    {
        if (queue is not null && (queue.Length is 0 or > 100))
        {
            return Problems.Validation("queue must name a queue (1 to 100 characters).", "queue");
        }
        JobState? filter = null;
        if (state is not null)
        {
            if (!JobStates.TryParse(state, out var parsed))
            {
                return Problems.Validation($"state must be one of {string.Join(", ", JobStates.All.Select(s => s.ToText()))}.", "state");
            }
            filter = parsed;
        }
        if (limit is < 1 or > 500) return Problems.Validation("limit must be between 1 and 500.", "limit");
        JobPage page;
        try
        {
            page = await store.Jobs.ListAsync(context.GetCaller().TenantId, new JobQuery(filter, package, since, cursor, limit ?? 50, queue), ct);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            return Problems.Validation("The cursor is not valid; use the nextCursor of a previous page.", "cursor");
        }
        return Results.Ok(new ListResponse<JobDto>([.. page.Items.Select(j => j.ToDto())], page.NextCursor));
    }

    private static async Task<IResult> GetAsync(string jobId, HttpContext context, IBatonStore store, CancellationToken ct)
    {
        var job = await store.Jobs.GetAsync(context.GetCaller().TenantId, jobId, ct);
        return job is null ? Problems.NotFound($"Job {jobId}") : Results.Ok(job.ToDto());
    }

    /// <summary>Only a pending job's priority can change; a higher one can make it claimable at once, so polls wake.</summary>
    private static async Task<IResult> UpdateAsync(
        string jobId, UpdateJobRequest request, HttpContext context, IBatonStore store, WakeUpSignals signals, CancellationToken ct)
    {
        if (request.Priority is not { } priority) return Problems.Validation("priority is required (the only field a job update changes).", "priority");
        if (priority is < JobSubmissionService.MinPriority or > JobSubmissionService.MaxPriority)
        {
            return Problems.Validation($"priority must be between {JobSubmissionService.MinPriority} and {JobSubmissionService.MaxPriority}.", "priority");
        }
        var tenantId = context.GetCaller().TenantId;
        var (result, job) = await store.Jobs.ChangePriorityAsync(tenantId, jobId, priority, ct);
        switch (result)
        {
            case PriorityChangeResult.Changed:
                signals.Signal(WakeUpSignals.TenantWork(tenantId));
                return Results.Ok(job!.ToDto());
            case PriorityChangeResult.NotPending:
                return Problems.InvalidState($"Job {jobId} is {job!.State.ToText()}; only a pending job's priority can change.", "not-pending");
            default:
                return Problems.NotFound($"Job {jobId}");
        }
    }

    private static async Task<IResult> CancelAsync(string jobId, HttpContext context, IBatonStore store, WakeUpSignals signals, CancellationToken ct)
    {
        var (result, job) = await store.Jobs.RequestCancelAsync(context.GetCaller().TenantId, jobId, ct);
        switch (result)
        {
            case CancelResult.Cancelled:
                signals.Signal(WakeUpSignals.JobLogs(jobId));
                Notifications.TenantEventPublisher.Announce(signals, job!.TenantId);
                return Results.Ok(job!.ToDto());
            case CancelResult.Requested:
                if (job!.AgentId is { } agentId) signals.Signal(WakeUpSignals.Agent(agentId));
                return Results.Ok(job.ToDto());
            case CancelResult.AlreadyFinished:
                return Problems.InvalidState($"Job {jobId} has already finished ({job?.State.ToText()}).");
            default:
                return Problems.NotFound($"Job {jobId}");
        }
    }

    private static async Task<IResult> EventsAsync(string jobId, HttpContext context, IBatonStore store, CancellationToken ct)
    {
        var tenantId = context.GetCaller().TenantId;
        if (await store.Jobs.GetAsync(tenantId, jobId, ct) is null) return Problems.NotFound($"Job {jobId}");
        var events = await store.Jobs.ListEventsAsync(tenantId, jobId, ct);
        return Results.Ok(new ListResponse<JobEventDto>([.. events.Select(e => e.ToDto())]));
    }
}
