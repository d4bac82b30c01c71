using System.Text.Json;
using Baton.Core.Audit;
using Baton.Core.Dispatch.FairShare;
using Baton.Server.Security;
using Baton.Storage;

namespace Baton.Server.Audit;

/// <summary>Whose audit log an endpoint's change belongs to.</summary>
public enum AuditScope
{
    /// <summary>The caller's tenant (its own keys, webhooks, schedules …).</summary>
    CallerTenant,
    /// <summary>The tenant the change is about (tenant administration by system admins): the route's or the created one.</summary>
    TargetTenant,
    /// <summary>The shared agent pool's reserved tenant (shared enrollment tokens).</summary>
    SharedPool,
}

/// <summary>
/// Records an audit entry for every successful change an endpoint makes, without the endpoint's own code knowing: the
/// object is read before and after the handler runs (id from the route, or from the Location of a 201), and the entry
/// says what was created, changed or deleted. A call that changes nothing (pausing a paused schedule, revoking a revoked
/// key) and a refused call (4xx) leave no entry.
/// </summary>
public static class AuditedEndpoint
{
    /// <param name="verb">An <see cref="AuditActions"/> verb (<c>created</c>, <c>updated</c>, <c>saved</c> …).</param>
    /// <param name="routeValue">The route value naming the object (<c>id</c>, <c>name</c> …); null for a creation.</param>
    public static RouteHandlerBuilder Audited(
        this RouteHandlerBuilder endpoint, AuditTarget target, string verb, string? routeValue, AuditScope scope = AuditScope.CallerTenant) =>
        endpoint.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var ct = http.RequestAborted;
            var store = http.RequestServices.GetRequiredService<IBatonStore>();
            var id = routeValue is null ? null : http.GetRouteValue(routeValue) as string;
            var tenantId = TenantOf(scope, http, id);
            var before = id is null || tenantId is null ? null : await target.SnapshotAsync(store, tenantId, id, ct);

            var result = await next(context);
            if (result is not IStatusCodeHttpResult { StatusCode: >= 200 and < 300 }) return result;
            id ??= CreatedId(result);
            if (id is null) return result;
            tenantId ??= TenantOf(scope, http, id);
            if (tenantId is null) return result;

            var after = await target.SnapshotAsync(store, tenantId, id, CancellationToken.None);
            id = CanonicalId(before, after) ?? id;
            var (action, summary) = (before, after) switch
            {
                (null, { } created) => (AuditActions.Created, AuditSummary.Created(created, target.SecretFields)),
                ({ } deleted, null) => (verb == AuditActions.Revoked ? verb : AuditActions.Deleted, AuditSummary.Deleted(deleted, target.SecretFields)),
                ({ } old, { } current) => (verb == AuditActions.Saved ? AuditActions.Updated : verb, AuditSummary.Changes(old, current, target.SecretFields)),
                _ => (verb, default(JsonElement)),
            };
            if (summary.ValueKind == JsonValueKind.Undefined || !AuditSummary.HasChanges(summary)) return result;
            await http.RequestServices.GetRequiredService<AuditRecorder>().RecordAsync(
                http, tenantId, AuditActions.Of(target.Type, action), target.Type, id, summary, CancellationToken.None);
            return result;
        });

    /// <summary>The object's own id when its snapshot has one (the route may have named it otherwise); taken out of the summary.</summary>
    private static string? CanonicalId(Dictionary<string, object?>? before, Dictionary<string, object?>? after)
    {
        var id = (after ?? before)?.GetValueOrDefault("id")?.ToString();
        before?.Remove("id");
        after?.Remove("id");
        return string.IsNullOrEmpty(id) ? null : id;
    }

    private static string? TenantOf(AuditScope scope, HttpContext http, string? id) => scope switch
    {
        AuditScope.CallerTenant => http.GetCaller().TenantId,
        AuditScope.SharedPool => SharedPool.TenantId,
        _ => http.GetRouteValue("tenantId") as string ?? id,
    };

    /// <summary>The new object's id: the last segment of the 201's Location (every create answers with one).</summary>
    private static string? CreatedId(object? result)
    {
        var location = result?.GetType().GetProperty("Location")?.GetValue(result) as string;
        if (string.IsNullOrEmpty(location)) return null;
        var path = location.Split('?')[0].TrimEnd('/');
        return Uri.UnescapeDataString(path[(path.LastIndexOf('/') + 1)..]);
    }
}
