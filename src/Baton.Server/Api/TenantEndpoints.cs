using System.Text.RegularExpressions;
using Baton.Core.Api;
using Baton.Core.Audit;
using Baton.Server.Audit;
using Baton.Core.Auth;
using Baton.Core.Dispatch.FairShare;
using Baton.Core.Tenancy;
using Baton.Server.Dispatch.SharedAgents;
using Baton.Server.Security;
using Baton.Server.Tenancy;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Api;

/// <summary>Tenants: created and changed by system admins; every tenant may read its own.</summary>
public static partial class TenantEndpoints
{
    public static void MapTenantEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapGet("/tenant", GetOwnAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<TenantDto>();

        var admin = api.MapGroup("/tenants").RequireAuthorization(AuthPolicies.SystemAdmin);
        admin.MapGet("", ListAsync).Produces<ListResponse<TenantDto>>();
        admin.MapPost("", CreateAsync).Produces<CreateTenantResponse>(StatusCodes.Status201Created).Audited(AuditSnapshots.Tenant, AuditActions.Created, null, AuditScope.TargetTenant);
        admin.MapGet("/{tenantId}", GetAsync).Produces<TenantDto>();
        admin.MapPatch("/{tenantId}", UpdateAsync).Produces<TenantDto>().Audited(AuditSnapshots.Tenant, AuditActions.Updated, "tenantId", AuditScope.TargetTenant);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex TenantName();

    private static async Task<IResult> GetOwnAsync(HttpContext context, IBatonStore store, ApiUsageMeter usage, TenantStorage storage, CancellationToken ct)
    {
        var tenant = await store.Tenants.GetAsync(context.GetCaller().TenantId, ct);
        return tenant is null ? Problems.NotFound("Your tenant") : Results.Ok(tenant.ToDto(await GetUsageAsync(store, usage, storage, tenant.Id, ct)));
    }

    private static async Task<IResult> ListAsync(IBatonStore store, CancellationToken ct)
    {
        var tenants = await store.Tenants.ListAsync(ct);
        return Results.Ok(new ListResponse<TenantDto>([.. tenants.OrderBy(t => t.Name).Select(t => t.ToDto())]));
    }

    private static async Task<IResult> GetAsync(string tenantId, IBatonStore store, ApiUsageMeter usage, TenantStorage storage, CancellationToken ct)
    {
        if (SharedPool.IsShared(tenantId)) return Problems.NotFound($"Tenant {tenantId}");
        var tenant = await store.Tenants.GetAsync(tenantId, ct);
        return tenant is null ? Problems.NotFound($"Tenant {tenantId}") : Results.Ok(tenant.ToDto(await GetUsageAsync(store, usage, storage, tenant.Id, ct)));
    }

    private static async Task<IResult> CreateAsync(CreateTenantRequest request, IBatonStore store, TimeProvider time, CancellationToken ct)
    {
        var name = request.Name?.Trim() ?? "";
        if (!TenantName().IsMatch(name))
        {
            return Problems.Validation("name must be 1 to 63 lower-case letters, digits or '-', starting with a letter or digit.", "name");
        }
        var tier = Tier.Free;
        if (request.Tier is not null && !Tiers.TryParse(request.Tier, out tier))
        {
            return Problems.Validation("tier must be free, standard, professional or enterprise.", "tier");
        }
        var overrides = request.Quotas ?? QuotaOverrides.None;
        if (overrides.Validate() is { } problem) return Problems.Validation(problem, "quotas");

        var tenant = new TenantRecord(SecretTokens.NewId("t_"), name, tier, overrides, time.GetUtcNow());
        if (!await store.Tenants.CreateAsync(tenant, ct)) return Problems.Conflict($"A tenant named '{name}' already exists.", "name");
        var key = await IdentityEndpoints.CreateApiKeyAsync(store, tenant.Id, "initial admin", ApiRole.Admin, systemAdmin: false, secret: null, time, ct);
        return Results.Created($"/api/v1/tenants/{tenant.Id}", new CreateTenantResponse(tenant.ToDto(), key));
    }

    private static async Task<IResult> UpdateAsync(
        string tenantId, UpdateTenantRequest request, IBatonStore store, TenantDirectory directory, SharedPoolDirectory sharedPool, CancellationToken ct)
    {
        if (SharedPool.IsShared(tenantId)) return Problems.NotFound($"Tenant {tenantId}");
        var tenant = await store.Tenants.GetAsync(tenantId, ct);
        if (tenant is null) return Problems.NotFound($"Tenant {tenantId}");
        var tier = tenant.Tier;
        if (request.Tier is not null && !Tiers.TryParse(request.Tier, out tier))
        {
            return Problems.Validation("tier must be free, standard, professional or enterprise.", "tier");
        }
        var overrides = tenant.Overrides.Merge(request.Quotas);
        if (overrides.Validate() is { } problem) return Problems.Validation(problem, "quotas");
        var updated = await store.Tenants.UpdateAsync(tenantId, tier, overrides, ct);
        directory.Invalidate(tenantId);
        sharedPool.Invalidate();
        return updated is null ? Problems.NotFound($"Tenant {tenantId}") : Results.Ok(updated.ToDto());
    }

    internal static async Task<TenantUsageDto> GetUsageAsync(IBatonStore store, ApiUsageMeter usage, TenantStorage storage, string tenantId, CancellationToken ct) => new(
        await store.Agents.CountOnlineAsync(tenantId, ct),
        await store.Jobs.CountActiveAsync(tenantId, ct),
        await store.Jobs.CountPendingAsync(tenantId, ct),
        await storage.ReadUsedBytesAsync(tenantId, ct),
        await usage.GetTodayAsync(tenantId, ct));
}
