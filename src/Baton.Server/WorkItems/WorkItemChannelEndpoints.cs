using Baton.Core.Api;
using Baton.Server.AgentProtocol;
using Baton.Server.Api;
using Baton.Server.Hosting;
using Baton.Server.Security;
using Baton.Storage;
using Baton.Storage.Model;
using Microsoft.Extensions.Options;

namespace Baton.Server.WorkItems;

/// <summary>
/// Work items over the job's channel (<c>/api/agent/v1/jobs/{jobId}/workitems/…</c>): a running job claims, finishes
/// and adds items of its own tenant through its agent; the agent renews the job's leases while it runs and releases
/// what it still holds when it ends. Each call is fenced on the job attempt (<see cref="JobChannelScope"/>).
/// </summary>
public static class WorkItemChannelEndpoints
{
    public static void MapWorkItemChannel(this RouteGroupBuilder job)
    {
        job.MapPost("/workitems/claim", ClaimAsync).Produces<ClaimWorkItemResponse>();
        job.MapPost("/workitems/add", AddAsync).Produces<AddWorkItemsResponse>();
        job.MapPost("/workitems/renew", RenewAsync).Produces<WorkItemLeasesResponse>();
        job.MapPost("/workitems/release", ReleaseAsync).Produces<WorkItemLeasesResponse>();
        job.MapPost("/workitems/{itemId}/complete", CompleteAsync).ProducesNoContent();
    }

    private static async Task<IResult> ClaimAsync(
        string jobId, ClaimWorkItemRequest request, HttpContext context, IBatonStore store, IOptions<ServerOptions> options, TimeProvider time,
        CancellationToken ct)
    {
        if (!Queues.QueueNames.IsValid(request.Queue)) return Problems.Validation($"'{request.Queue}' is not a valid queue name: {Queues.QueueNames.Rule}", "queue");
        var (job, refusal) = await JobChannelScope.ResolveAsync(context, jobId, request.Attempt, store, ct);
        if (refusal is not null) return refusal;
        var lease = options.Value.WorkItems.Lease;
        var claimed = await store.WorkItems.ClaimAsync(job!.TenantId, request.Queue!, new WorkItemHolder(jobId, request.Attempt), lease, ct);
        return Results.Ok(new ClaimWorkItemResponse(claimed?.Item.ToDto(time.GetUtcNow()), claimed?.LeaseToken, lease.TotalSeconds));
    }

    private static async Task<IResult> CompleteAsync(
        string jobId, string itemId, CompleteWorkItemRequest request, HttpContext context, IBatonStore store, IOptions<ServerOptions> options,
        CancellationToken ct)
    {
        var errors = new List<(string Field, string Message)>();
        if (request.Outcome is not ("done" or "failed")) errors.Add(("outcome", "must be done or failed"));
        if (string.IsNullOrEmpty(request.LeaseToken)) errors.Add(("leaseToken", "is required"));
        if (request.Output is { } output && output.GetRawText().Length > options.Value.WorkItems.MaxPayloadBytes)
            errors.Add(("output", $"is larger than {options.Value.WorkItems.MaxPayloadBytes} bytes"));
        if (request.Outcome == "failed" && string.IsNullOrWhiteSpace(request.Reason)) errors.Add(("reason", "a failure needs a reason"));
        if (request.Reason is { Length: > 4096 }) errors.Add(("reason", "at most 4096 characters"));
        if (errors.Count > 0) return Problems.Validation(errors);
        var (job, refusal) = await JobChannelScope.ResolveAsync(context, jobId, request.Attempt, store, ct);
        if (refusal is not null) return refusal;

        var finish = request.Outcome == "done" ? WorkItemFinish.Done : request.Business ? WorkItemFinish.BusinessFailure : WorkItemFinish.ApplicationFailure;
        var result = await store.WorkItems.CompleteAsync(new WorkItemCompletion(
            job!.TenantId, itemId, new WorkItemHolder(jobId, request.Attempt), request.LeaseToken!, finish, request.Output, request.Reason), ct);
        return result switch
        {
            WorkItemCompleteResult.Ok => Results.NoContent(),
            WorkItemCompleteResult.NotFound => Problems.NotFound($"Work item {itemId}"),
            _ => Problems.InvalidState(
                $"Work item {itemId} is no longer leased to this job (its lease expired and it went back to the queue).", "lease-lost"),
        };
    }

    private static async Task<IResult> AddAsync(
        string jobId, AddJobWorkItemsRequest request, HttpContext context, IBatonStore store, IOptions<ServerOptions> options, TimeProvider time,
        Dispatch.WakeUpSignals signals, CancellationToken ct)
    {
        var (job, refusal) = await JobChannelScope.ResolveAsync(context, jobId, request.Attempt, store, ct);
        if (refusal is not null) return refusal;
        var (items, errors) = WorkItemInput.Read(job!.TenantId, request.Queue, request.Items, options.Value.WorkItems.MaxPayloadBytes, time.GetUtcNow(), jobId);
        if (errors.Count > 0) return Problems.Validation(errors);
        var outcome = await store.WorkItems.AddAsync(job.TenantId, items, ct);
        if (outcome.DuplicateReferences.Count > 0) return WorkItemInput.DuplicateReferences(request.Queue!, outcome.DuplicateReferences);
        signals.Signal(WorkItemTriggerStarter.WakeUpTopic);
        var now = time.GetUtcNow();
        return Results.Ok(new AddWorkItemsResponse([.. outcome.Added.Select(i => i.ToDto(now))]));
    }

    private static async Task<IResult> RenewAsync(
        string jobId, JobAttemptRequest request, HttpContext context, IBatonStore store, IOptions<ServerOptions> options, CancellationToken ct)
    {
        var (job, refusal) = await JobChannelScope.ResolveAsync(context, jobId, request.Attempt, store, ct);
        if (refusal is not null) return refusal;
        var lease = options.Value.WorkItems.Lease;
        var renewed = await store.WorkItems.RenewAsync(job!.TenantId, new WorkItemHolder(jobId, request.Attempt), lease, ct);
        return Results.Ok(new WorkItemLeasesResponse(renewed, lease.TotalSeconds));
    }

    private static async Task<IResult> ReleaseAsync(
        string jobId, JobAttemptRequest request, HttpContext context, IBatonStore store, IOptions<ServerOptions> options, CancellationToken ct)
    {
        var (job, refusal) = await JobChannelScope.ResolveAsync(context, jobId, request.Attempt, store, ct);
        if (refusal is not null) return refusal;
        var released = await store.WorkItems.ReleaseAsync(job!.TenantId, new WorkItemHolder(jobId, request.Attempt),
            $"Job {jobId} attempt {request.Attempt} ended without finishing the item.", ct);
        return Results.Ok(new WorkItemLeasesResponse(released, options.Value.WorkItems.Lease.TotalSeconds));
    }
}
