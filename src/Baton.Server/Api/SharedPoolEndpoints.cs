using Baton.Core.Api;
using Baton.Core.Audit;
using Baton.Server.Audit;
using Baton.Core.Dispatch.FairShare;
using Baton.Server.Hosting;
using Baton.Server.Security;
using Baton.Server.Tenancy;
using Baton.Storage;
using Microsoft.Extensions.Options;

namespace Baton.Server.Api;

/// <summary>
/// The shared agent pool: a tenant's usage of it, and (system admins only) the pool's agents and the
/// enrollment tokens that register agents into it.
/// </summary>
public static class SharedPoolEndpoints
{
    public static void MapSharedPoolEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapGet("/usage", GetUsageAsync).RequireAuthorization(AuthPolicies.Viewer).Produces<TenantUsageReportDto>();

        var pool = api.MapGroup("/shared-pool").RequireAuthorization(AuthPolicies.SystemAdmin);
        pool.MapGet("/agents", ListAgentsAsync).Produces<ListResponse<AgentDto>>();
        pool.MapGet("/enrollment-tokens", ListTokensAsync).Produces<ListResponse<EnrollmentTokenDto>>();
        pool.MapPost("/enrollment-tokens", CreateTokenAsync).Produces<CreatedEnrollmentTokenDto>(StatusCodes.Status201Created).Audited(AuditSnapshots.SharedEnrollmentToken, AuditActions.Created, null, AuditScope.SharedPool);
        pool.MapDelete("/enrollment-tokens/{tokenId}", RevokeTokenAsync).ProducesNoContent().Audited(AuditSnapshots.SharedEnrollmentToken, AuditActions.Revoked, "tokenId", AuditScope.SharedPool);
    }

    private static async Task<IResult> GetUsageAsync(
        HttpContext context, IBatonStore store, TenantDirectory tenants, IOptions<ServerOptions> options, TimeProvider time, CancellationToken ct)
    {
        var tenant = await tenants.GetAsync(context.GetCaller().TenantId, ct);
        if (tenant is null) return Problems.NotFound("Your tenant");
        var now = time.GetUtcNow();
        var window = options.Value.FairShareWindow;
        var midnight = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        return Results.Ok(new TenantUsageReportDto(
            tenant.Quotas.SharedPoolWeight,
            (int)window.TotalSeconds,
            Math.Round(await store.SharedPool.GetUsedAgentSecondsAsync(tenant.Id, now - window, ct), 3),
            Math.Round(await store.SharedPool.GetUsedAgentSecondsAsync(tenant.Id, midnight, ct), 3)));
    }

    private static async Task<IResult> ListAgentsAsync(IBatonStore store, CancellationToken ct)
    {
        var agents = await store.Agents.ListAsync(SharedPool.TenantId, ct);
        var running = await RunningJobsAsync(store, agents.Select(a => a.Id), ct);
        return Results.Ok(new ListResponse<AgentDto>([.. agents
            .OrderBy(a => a.Name, StringComparer.Ordinal)
            .Select(a => a.ToDto(running.GetValueOrDefault(a.Id)))]));
    }

    /// <summary>A shared agent's jobs belong to other tenants, so they are counted by holder, not by the pool tenant.</summary>
    private static async Task<Dictionary<string, int>> RunningJobsAsync(IBatonStore store, IEnumerable<string> agentIds, CancellationToken ct)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var agentId in agentIds) counts[agentId] = (await store.SharedPool.ListHeldJobsAsync(agentId, ct)).Count;
        return counts;
    }

    private static async Task<IResult> ListTokensAsync(IBatonStore store, CancellationToken ct)
    {
        var tokens = await store.EnrollmentTokens.ListAsync(SharedPool.TenantId, ct);
        return Results.Ok(new ListResponse<EnrollmentTokenDto>([.. tokens.OrderBy(t => t.CreatedAt).Select(t => t.ToDto())]));
    }

    private static async Task<IResult> CreateTokenAsync(CreateEnrollmentTokenRequest? request, IBatonStore store, TimeProvider time, CancellationToken ct)
    {
        var name = string.IsNullOrWhiteSpace(request?.Name) ? "shared enrollment token" : request.Name.Trim();
        if (name.Length > 100) return Problems.Validation("name must be at most 100 characters.", "name");
        if (request?.ExpiresInHours is < 1 or > 24 * 365) return Problems.Validation("expiresInHours must be between 1 and 8760.", "expiresInHours");
        var created = await IdentityEndpoints.CreateEnrollmentTokenAsync(store, SharedPool.TenantId, name,
            request?.ExpiresInHours is { } hours ? TimeSpan.FromHours(hours) : null, time, ct);
        return Results.Created($"/api/v1/shared-pool/enrollment-tokens/{created.Token.Id}", created);
    }

    private static async Task<IResult> RevokeTokenAsync(string tokenId, IBatonStore store, CancellationToken ct)
    {
        if (await store.EnrollmentTokens.RevokeAsync(SharedPool.TenantId, tokenId, ct)) return Results.NoContent();
        var all = await store.EnrollmentTokens.ListAsync(SharedPool.TenantId, ct);
        return all.Any(t => t.Id == tokenId) ? Results.NoContent() : Problems.NotFound($"Shared enrollment token {tokenId}");
    }
}
