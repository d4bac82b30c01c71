using Baton.Core.Api;
using Baton.Core.Audit;
using Baton.Server.Audit;
using Baton.Server.Dispatch;
using Baton.Server.Roles;
using Baton.Server.Scheduling;
using Baton.Server.Security;
using Baton.Server.Tenancy;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Api;

/// <summary>
/// Schedules: operators create, change, pause, resume and delete them; viewers read them and their
/// next and upcoming fires; system admins see the upcoming fires of every tenant. Another tenant's
/// schedule is simply not found.
/// </summary>
public static class ScheduleEndpoints
{
    public const int MaxNextCount = 100;

    public static void MapScheduleEndpoints(this IEndpointRouteBuilder api)
    {
        var schedules = api.MapGroup("/schedules");
        schedules.MapPost("", CreateAsync).RequireAuthorization(AuthPolicies.Operator).Produces<ScheduleDto>(StatusCodes.Status201Created).Audited(AuditSnapshots.Schedule, AuditActions.Created, null);
        schedules.MapGet("", ListAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<ListResponse<ScheduleDto>>();
        schedules.MapGet("/upcoming", (string? within, HttpContext context, UpcomingFires upcoming, CancellationToken ct) =>
            UpcomingAsync(context.GetCaller().TenantId, within, upcoming, ct)).RequireAuthorization(AuthPolicies.Viewer).Produces<UpcomingFiresDto>();
        schedules.MapGet("/{id}", GetAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<ScheduleDto>();
        schedules.MapPatch("/{id}", UpdateAsync).RequireAuthorization(AuthPolicies.Operator).Produces<ScheduleDto>().Audited(AuditSnapshots.Schedule, AuditActions.Updated, "id");
        schedules.MapDelete("/{id}", DeleteAsync).RequireAuthorization(AuthPolicies.Operator).ProducesNoContent().Audited(AuditSnapshots.Schedule, AuditActions.Deleted, "id");
        schedules.MapPost("/{id}/pause", PauseAsync).RequireAuthorization(AuthPolicies.Operator).Produces<ScheduleDto>().Audited(AuditSnapshots.Schedule, AuditActions.Paused, "id");
        schedules.MapPost("/{id}/resume", ResumeAsync).RequireAuthorization(AuthPolicies.Operator).Produces<ScheduleDto>().Audited(AuditSnapshots.Schedule, AuditActions.Resumed, "id");
        schedules.MapGet("/{id}/next", NextAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<ScheduleFiresDto>();

        api.MapGet("/system/upcoming-fires", (string? within, UpcomingFires upcoming, CancellationToken ct) =>
            UpcomingAsync(null, within, upcoming, ct)).RequireAuthorization(AuthPolicies.SystemAdmin).Produces<UpcomingFiresDto>();
    }

    private static async Task<IResult> CreateAsync(
        CreateScheduleRequest request, HttpContext context, IBatonStore store, ScheduleDefinitions definitions, TenantDirectory tenants,
        WakeUpSignals signals, CancellationToken ct)
    {
        var tenantId = context.GetCaller().TenantId;
        var tenant = await tenants.GetAsync(tenantId, ct);
        if (tenant is null) return Problems.NotFound($"Tenant {tenantId}");
        var (draft, errors) = await definitions.FromCreateAsync(tenantId, SecretTokens.NewId("sch_"), request, ct);
        if (draft is null) return Problems.Validation(errors);
        var schedule = await definitions.WithNextFireAsync(draft, ct);
        return await store.Schedules.CreateAsync(schedule, tenant.Quotas.Schedules, ct) switch
        {
            ScheduleWriteResult.Ok => Created(schedule, signals),
            ScheduleWriteResult.NameTaken => Problems.Conflict($"Schedule '{schedule.Name}' already exists.", "name"),
            _ => Problems.QuotaExceeded(
                $"Tenant '{tenant.Name}' already has {tenant.Quotas.Schedules} schedule(s), the most its quota allows.", "schedules"),
        };
    }

    private static IResult Created(ScheduleRecord schedule, WakeUpSignals signals)
    {
        signals.Signal(SchedulerService.WakeUpTopic);
        return Results.Created($"/api/v1/schedules/{schedule.Id}", schedule.ToDto());
    }

    private static async Task<IResult> ListAsync(HttpContext context, IBatonStore store, CancellationToken ct)
    {
        var schedules = await store.Schedules.ListAsync(context.GetCaller().TenantId, ct);
        return Results.Ok(new ListResponse<ScheduleDto>([.. schedules.Select(s => s.ToDto())]));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, IBatonStore store, CancellationToken ct) =>
        await store.Schedules.GetAsync(context.GetCaller().TenantId, id, ct) is { } schedule
            ? Results.Ok(schedule.ToDto())
            : Problems.NotFound($"Schedule '{id}'");

    private static async Task<IResult> UpdateAsync(
        string id, UpdateScheduleRequest request, HttpContext context, IBatonStore store, ScheduleDefinitions definitions, WakeUpSignals signals,
        CancellationToken ct)
    {
        var current = await store.Schedules.GetAsync(context.GetCaller().TenantId, id, ct);
        if (current is null) return Problems.NotFound($"Schedule '{id}'");
        var (updated, errors) = await definitions.FromUpdateAsync(current, request, ct);
        if (updated is null) return Problems.Validation(errors);
        var timingChanged = updated.Cron != current.Cron || updated.TimeZone != current.TimeZone
            || updated.CalendarName != current.CalendarName || updated.CalendarMode != current.CalendarMode;
        if (timingChanged && !updated.Paused) updated = await definitions.WithNextFireAsync(updated, ct);
        return await Save(store, updated, signals, ct);
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, IBatonStore store, CancellationToken ct)
    {
        var tenantId = context.GetCaller().TenantId;
        var schedule = await store.Schedules.GetAsync(tenantId, id, ct);
        if (schedule is null || !await store.Schedules.DeleteAsync(tenantId, schedule.Id, ct)) return Problems.NotFound($"Schedule '{id}'");
        return Results.NoContent();
    }

    private static async Task<IResult> PauseAsync(string id, HttpContext context, IBatonStore store, TimeProvider time, WakeUpSignals signals, CancellationToken ct)
    {
        var current = await store.Schedules.GetAsync(context.GetCaller().TenantId, id, ct);
        if (current is null) return Problems.NotFound($"Schedule '{id}'");
        if (current.Paused) return Results.Ok(current.ToDto());
        return await Save(store, current with { Paused = true, PauseReason = "paused by an operator", UpdatedAt = time.GetUtcNow() }, signals, ct);
    }

    /// <summary>Resuming starts afresh: failures reset, the next fire counted from now (missed fires while paused are not made up).</summary>
    private static async Task<IResult> ResumeAsync(
        string id, HttpContext context, IBatonStore store, ScheduleDefinitions definitions, TimeProvider time, WakeUpSignals signals, CancellationToken ct)
    {
        var current = await store.Schedules.GetAsync(context.GetCaller().TenantId, id, ct);
        if (current is null) return Problems.NotFound($"Schedule '{id}'");
        if (!current.Paused) return Results.Ok(current.ToDto());
        var resumed = await definitions.WithNextFireAsync(
            current with { Paused = false, PauseReason = null, ConsecutiveFailures = 0, UpdatedAt = time.GetUtcNow() }, ct);
        return await Save(store, resumed, signals, ct);
    }

    private static async Task<IResult> Save(IBatonStore store, ScheduleRecord schedule, WakeUpSignals signals, CancellationToken ct)
    {
        switch (await store.Schedules.UpdateAsync(schedule, ct))
        {
            case ScheduleWriteResult.Ok:
                signals.Signal(SchedulerService.WakeUpTopic);
                return Results.Ok((await store.Schedules.GetAsync(schedule.TenantId, schedule.Id, ct) ?? schedule).ToDto());
            case ScheduleWriteResult.NameTaken:
                return Problems.Conflict($"Schedule '{schedule.Name}' already exists.", "name");
            default:
                return Problems.NotFound($"Schedule '{schedule.Id}'");
        }
    }

    private static async Task<IResult> NextAsync(
        string id, int? count, HttpContext context, IBatonStore store, ScheduleTimelines timelines, TimeProvider time, CancellationToken ct)
    {
        if (count is < 1 or > MaxNextCount) return Problems.Validation($"count must be between 1 and {MaxNextCount}.", "count");
        var schedule = await store.Schedules.GetAsync(context.GetCaller().TenantId, id, ct);
        if (schedule is null) return Problems.NotFound($"Schedule '{id}'");
        var timeline = await timelines.ForAsync(schedule, ct);
        var fires = timeline.NextFires(time.GetUtcNow(), count ?? 5);
        return Results.Ok(new ScheduleFiresDto(schedule.Id, schedule.Name, schedule.TimeZone, fires));
    }

    private static async Task<IResult> UpcomingAsync(string? tenantId, string? within, UpcomingFires upcoming, CancellationToken ct)
    {
        var window = TimeSpan.FromHours(1);
        if (within is not null && (!ScheduleDurations.TryParse(within, out window) || window <= TimeSpan.Zero || window > UpcomingFires.MaxWindow))
        {
            return Problems.Validation("within must be a duration above zero and up to 7 days (PT1H, 30m, P1D).", "within");
        }
        return Results.Ok(await upcoming.ListAsync(tenantId, window, ct));
    }
}
