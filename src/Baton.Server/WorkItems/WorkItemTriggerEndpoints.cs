using Baton.Core;
using Baton.Core.Api;
using Baton.Core.Audit;
using Baton.Core.WorkItems;
using Baton.Server.Api;
using Baton.Server.Audit;
using Baton.Server.Dispatch;
using Baton.Server.Jobs;
using Baton.Server.Security;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.WorkItems;

/// <summary>
/// <c>/api/v1/workitem-queues/{queue}/trigger</c>: the queue's trigger, which starts jobs of a package while items wait
/// (<see cref="WorkItemTriggerStarter"/>). Operators set and remove it, viewers read it. A trigger may be set on a queue
/// that holds no items yet; another tenant's trigger is simply not found.
/// </summary>
public static class WorkItemTriggerEndpoints
{
    public static void MapWorkItemTriggerEndpoints(this RouteGroupBuilder queues)
    {
        queues.MapGet("/{queue}/trigger", GetAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<WorkItemTriggerDto>();
        queues.MapPut("/{queue}/trigger", SaveAsync).RequireAuthorization(AuthPolicies.Operator)
            .Produces<WorkItemTriggerDto>(StatusCodes.Status201Created).Produces<WorkItemTriggerDto>()
            .Audited(AuditSnapshots.WorkItemTrigger, AuditActions.Saved, "queue");
        queues.MapDelete("/{queue}/trigger", DeleteAsync).RequireAuthorization(AuthPolicies.Operator).ProducesNoContent()
            .Audited(AuditSnapshots.WorkItemTrigger, AuditActions.Deleted, "queue");
    }

    private static async Task<IResult> GetAsync(string queue, HttpContext context, IBatonStore store, CancellationToken ct)
    {
        var tenantId = context.GetCaller().TenantId;
        var trigger = await store.WorkItemTriggers.GetAsync(tenantId, queue, ct);
        return trigger is null ? NotFound(queue) : Results.Ok(await ToDtoAsync(store, trigger, ct));
    }

    private static async Task<IResult> SaveAsync(
        string queue, SetWorkItemTriggerRequest request, HttpContext context, IBatonStore store, SubmissionLookups lookups, WakeUpSignals signals,
        TimeProvider time, CancellationToken ct)
    {
        var errors = new List<(string Field, string Message)>();
        if (!Queues.QueueNames.IsValid(queue)) errors.Add(("queue", $"'{queue}' is not a valid queue name: {Queues.QueueNames.Rule}"));
        var package = request.Package?.Trim();
        if (string.IsNullOrEmpty(package)) errors.Add(("package", "is required"));
        var version = request.Version?.Trim() is { Length: > 0 } v && v != "latest" ? v : null;
        var maxJobs = request.MaxJobs ?? 1;
        if (maxJobs is < 1 or > TriggerPlan.MaxJobsLimit) errors.Add(("maxJobs", $"must be between 1 and {TriggerPlan.MaxJobsLimit}"));
        var minItems = request.MinItems ?? 1;
        if (minItems is < 1 or > TriggerPlan.MinItemsLimit) errors.Add(("minItems", $"must be between 1 and {TriggerPlan.MinItemsLimit}"));
        if (errors.Count > 0) return Problems.Validation(errors);

        var tenantId = context.GetCaller().TenantId;
        // The package must exist now; a version deleted later shows as the trigger's last error when it next starts a job.
        if (await lookups.GetVersionAsync(tenantId, package!, version, ct) is null)
        {
            return Problems.NotFound(version is null ? $"Package '{package}'" : $"Package '{package}' version {version}");
        }
        var now = time.GetUtcNow();
        var (trigger, created) = await store.WorkItemTriggers.SaveAsync(new WorkItemTriggerRecord
        {
            TenantId = tenantId,
            Queue = queue,
            Id = SortableIds.New("wit_", now),
            PackageName = package!,
            PackageVersion = version,
            MaxJobs = maxJobs,
            MinItems = minItems,
            CreatedAt = now,
            UpdatedAt = now,
        }, ct);
        signals.Signal(WorkItemTriggerStarter.WakeUpTopic);
        var dto = await ToDtoAsync(store, trigger, ct);
        return created ? Results.Created($"/api/v1/workitem-queues/{queue}/trigger", dto) : Results.Ok(dto);
    }

    private static async Task<IResult> DeleteAsync(string queue, HttpContext context, IBatonStore store, CancellationToken ct) =>
        await store.WorkItemTriggers.DeleteAsync(context.GetCaller().TenantId, queue, ct) ? Results.NoContent() : NotFound(queue);

    private static IResult NotFound(string queue) => Problems.NotFound($"A trigger of work-item queue '{queue}'");

    private static async Task<WorkItemTriggerDto> ToDtoAsync(IBatonStore store, WorkItemTriggerRecord trigger, CancellationToken ct)
    {
        var slots = await store.WorkItemTriggers.ListSlotsAsync(trigger.TenantId, trigger.Queue, ct);
        return trigger.ToDto([.. slots.Where(s => s.Active).Select(s => s.JobId)]);
    }

    public static WorkItemTriggerDto ToDto(this WorkItemTriggerRecord trigger, IReadOnlyList<string> activeJobs) => new(
        trigger.Queue, trigger.PackageName, trigger.PackageVersion, trigger.MaxJobs, trigger.MinItems, trigger.CreatedAt, trigger.UpdatedAt,
        trigger.LastStartedAt, trigger.LastError, trigger.LastErrorAt, activeJobs);
}
