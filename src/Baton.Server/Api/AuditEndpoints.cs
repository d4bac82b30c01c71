using System.Globalization;
using Baton.Core.Api;
using Baton.Core.Audit;
using Baton.Server.Security;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Api;

/// <summary>
/// The audit log: a tenant's admins read their tenant's entries; system admins read every tenant's (optionally one).
/// Newest first, filtered by action (exact or <c>target.*</c>), actor key, target and time, paged with <c>cursor</c>.
/// </summary>
public static class AuditEndpoints
{
    public const int DefaultPageSize = 50;

    public static void MapAuditEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapGet("/audit", (HttpContext context, IBatonStore store, CancellationToken ct) =>
            ListAsync(context.GetCaller().TenantId, context, store, ct)).RequireAuthorization(AuthPolicies.Admin)
            .Produces<ListResponse<AuditEntryDto>>();
        api.MapGet("/system/audit", (string? tenant, HttpContext context, IBatonStore store, CancellationToken ct) =>
            ListAsync(string.IsNullOrEmpty(tenant) ? null : tenant, context, store, ct)).RequireAuthorization(AuthPolicies.SystemAdmin)
            .Produces<ListResponse<AuditEntryDto>>();
    }

    private static async Task<IResult> ListAsync(string? tenantId, HttpContext context, IBatonStore store, CancellationToken ct)
    {
        var query = context.Request.Query;
        var errors = new List<(string Field, string Message)>();
        var limit = DefaultPageSize;
        if (query["limit"].FirstOrDefault() is { } limitText && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > AuditQuery.MaxLimit))
        {
            errors.Add(("limit", $"must be between 1 and {AuditQuery.MaxLimit}"));
        }
        long? before = null;
        if (query["cursor"].FirstOrDefault() is { } cursor)
        {
            if (long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0) before = id;
            else errors.Add(("cursor", "must be the nextCursor of a previous page"));
        }
        var action = query["action"].FirstOrDefault();
        if (action is not null && !AuditActions.IsValidFilter(action)) errors.Add(("action", "must be an action such as api_key.revoked, or a target such as webhook.*"));
        var since = ParseTime(query["since"].FirstOrDefault(), "since", errors);
        var until = ParseTime(query["until"].FirstOrDefault(), "until", errors);
        var actor = Bounded(query["actor"].FirstOrDefault(), "actor", errors);
        var targetType = Bounded(query["targetType"].FirstOrDefault(), "targetType", errors);
        var targetId = Bounded(query["targetId"].FirstOrDefault(), "targetId", errors);
        if (errors.Count > 0) return Problems.Validation(errors);

        var entries = await store.Audit.ListAsync(new AuditQuery(tenantId, limit, before, action, actor, targetType, targetId, since, until), ct);
        return Results.Ok(new ListResponse<AuditEntryDto>(
            [.. entries.Select(ToDto)], entries.Count == limit ? entries[^1].Id.ToString(CultureInfo.InvariantCulture) : null));
    }

    private static DateTimeOffset? ParseTime(string? text, string field, List<(string Field, string Message)> errors)
    {
        if (text is null) return null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) return at;
        errors.Add((field, "must be an ISO 8601 time, e.g. 2025-03-03T09:00:00Z"));
        return null;
    }

    private static string? Bounded(string? text, string field, List<(string Field, string Message)> errors)
    {
        if (text is { Length: > 200 }) errors.Add((field, "must be at most 200 characters"));
        return text;
    }

    private static AuditEntryDto ToDto(AuditEntryRecord e) => new(
        e.Id, e.TenantId, e.At, new AuditActorDto(e.Actor.Type, e.Actor.KeyId, e.Actor.TenantId, e.Actor.Role, e.Actor.IsSystemAdmin),
        e.Action, e.TargetType, e.TargetId, e.SourceAddress, e.Summary);
}
