using Baton.Core.Api;
using Baton.Core.Audit;
using Baton.Server.Audit;
using Baton.Core.Dispatch;
using Baton.Server.Dispatch;
using Baton.Server.Jobs;
using Baton.Server.Queues;
using Baton.Server.Security;
using Baton.Server.Tenancy;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Api;

/// <summary>
/// Tenant-owned named queues: operators create, pause, resume and tune them; viewers read them.
/// Another tenant's queue is simply not found.
/// </summary>
public static class QueueEndpoints
{
    public const int MinPriority = JobSubmissionService.MinPriority;
    public const int MaxPriority = JobSubmissionService.MaxPriority;

    public static void MapQueueEndpoints(this IEndpointRouteBuilder api)
    {
        var queues = api.MapGroup("/queues");
        queues.MapPost("", CreateAsync).RequireAuthorization(AuthPolicies.Operator).Produces<QueueDto>(StatusCodes.Status201Created).Audited(AuditSnapshots.Queue, AuditActions.Created, null);
        queues.MapGet("", ListAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<ListResponse<QueueDto>>();
        queues.MapGet("/{name}", GetAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<QueueDto>();
        queues.MapPatch("/{name}", (string name, UpdateQueueRequest request, HttpContext context, IBatonStore store, WakeUpSignals signals, CancellationToken ct) =>
            UpdateAsync(name, request, context, store, signals, ct)).RequireAuthorization(AuthPolicies.Operator).Produces<QueueDto>()
            .Audited(AuditSnapshots.Queue, AuditActions.Updated, "name");
        queues.MapPost("/{name}/pause", (string name, HttpContext context, IBatonStore store, WakeUpSignals signals, CancellationToken ct) =>
            UpdateAsync(name, new UpdateQueueRequest(Paused: true), context, store, signals, ct)).RequireAuthorization(AuthPolicies.Operator).Produces<QueueDto>()
            .Audited(AuditSnapshots.Queue, AuditActions.Paused, "name");
        queues.MapPost("/{name}/resume", (string name, HttpContext context, IBatonStore store, WakeUpSignals signals, CancellationToken ct) =>
            UpdateAsync(name, new UpdateQueueRequest(Paused: false), context, store, signals, ct)).RequireAuthorization(AuthPolicies.Operator).Produces<QueueDto>()
            .Audited(AuditSnapshots.Queue, AuditActions.Resumed, "name");
    }

    private static async Task<IResult> CreateAsync(
        CreateQueueRequest request, HttpContext context, IBatonStore store, TenantDirectory tenants, TimeProvider time, CancellationToken ct)
    {
        var errors = new List<(string Field, string Message)>();
        var name = request.Name?.Trim();
        if (!QueueNames.IsValid(name)) errors.Add(("name", $"'{request.Name}' is not a valid queue name: {QueueNames.Rule}"));
        errors.AddRange(ValidateSettings(request.Priority, request.MaxConcurrency));
        errors.AddRange(ValidateDispatch(request.AgentGroups, request.ReservedSlots, request.ReservedMinPriority));
        if (errors.Count > 0) return Problems.Validation(errors);

        var tenantId = context.GetCaller().TenantId;
        var tenant = await tenants.GetAsync(tenantId, ct);
        if (tenant is null) return Problems.NotFound($"Tenant {tenantId}");
        var queue = new QueueRecord(tenantId, name!, request.Priority ?? 0, request.MaxConcurrency, false, time.GetUtcNow(),
            NormaliseGroups(request.AgentGroups), request.ReservedSlots ?? 0, request.ReservedMinPriority ?? 0);
        return await store.Queues.CreateAsync(queue, tenant.Quotas.Queues, ct) switch
        {
            QueueCreateResult.Created => Results.Created($"/api/v1/queues/{queue.Name}", (await store.Queues.GetAsync(tenantId, queue.Name, ct))!.ToDto()),
            QueueCreateResult.NameTaken => Problems.Conflict($"Queue '{queue.Name}' already exists.", "name"),
            _ => Problems.QuotaExceeded(
                $"Tenant '{tenant.Name}' already has {tenant.Quotas.Queues} queue(s), the most its quota allows.", "queues"),
        };
    }

    private static async Task<IResult> ListAsync(HttpContext context, IBatonStore store, CancellationToken ct)
    {
        var queues = await store.Queues.ListAsync(context.GetCaller().TenantId, ct);
        return Results.Ok(new ListResponse<QueueDto>([.. queues.Select(q => q.ToDto())]));
    }

    private static async Task<IResult> GetAsync(string name, HttpContext context, IBatonStore store, CancellationToken ct)
    {
        var queue = await store.Queues.GetAsync(context.GetCaller().TenantId, name, ct);
        return queue is null ? Problems.NotFound($"Queue '{name}'") : Results.Ok(queue.ToDto());
    }

    private static async Task<IResult> UpdateAsync(
        string name, UpdateQueueRequest request, HttpContext context, IBatonStore store, WakeUpSignals signals, CancellationToken ct)
    {
        var errors = ValidateSettings(request.Priority, request.MaxConcurrency)
            .Concat(ValidateDispatch(request.AgentGroups, request.ReservedSlots, request.ReservedMinPriority)).ToList();
        if (request.Unlimited == true && request.MaxConcurrency is not null)
        {
            errors.Add(("maxConcurrency", "cannot be set together with unlimited"));
        }
        if (errors.Count > 0) return Problems.Validation(errors);

        var tenantId = context.GetCaller().TenantId;
        var updated = await store.Queues.UpdateAsync(tenantId, name, new QueueUpdate(
            request.Priority, request.MaxConcurrency, request.Unlimited == true, request.Paused,
            request.AgentGroups is null ? null : NormaliseGroups(request.AgentGroups), request.ReservedSlots, request.ReservedMinPriority), ct);
        if (updated is null) return Problems.NotFound($"Queue '{name}'");

        // Resuming, a higher cap or a new priority can make waiting jobs claimable: wake the tenant's polls.
        if (!updated.Paused) signals.Signal(WakeUpSignals.TenantWork(tenantId));
        return Results.Ok(updated.ToDto());
    }

    public const int MaxAgentGroups = 32;
    public const int MaxReservedSlots = 100_000;

    private static IEnumerable<(string Field, string Message)> ValidateDispatch(IReadOnlyList<string>? groups, int? reservedSlots, int? reservedMinPriority)
    {
        if (groups is { Count: > MaxAgentGroups }) yield return ("agentGroups", $"at most {MaxAgentGroups} groups");
        for (var i = 0; groups is not null && i < groups.Count; i++)
        {
            if (!AgentGroupNames.IsValid(groups[i]?.Trim())) yield return ($"agentGroups[{i}]", $"'{groups[i]}' is not a valid agent group: {AgentGroupNames.Rule}");
        }
        if (reservedSlots is < 0 or > MaxReservedSlots) yield return ("reservedSlots", $"must be between 0 and {MaxReservedSlots}");
        if (reservedMinPriority is < MinPriority or > MaxPriority) yield return ("reservedMinPriority", $"must be between {MinPriority} and {MaxPriority}");
    }

    private static List<string> NormaliseGroups(IReadOnlyList<string>? groups) =>
        [.. (groups ?? []).Select(g => g.Trim()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    private static IEnumerable<(string Field, string Message)> ValidateSettings(int? priority, int? maxConcurrency)
    {
        if (priority is < MinPriority or > MaxPriority) yield return ("priority", $"must be between {MinPriority} and {MaxPriority}");
        if (maxConcurrency is < 1) yield return ("maxConcurrency", "must be at least 1 (omit it for no cap)");
    }
}
