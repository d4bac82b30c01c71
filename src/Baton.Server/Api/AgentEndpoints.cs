using Baton.Core.Api;
using Baton.Server.Security;
using Baton.Storage;

namespace Baton.Server.Api;

public static class AgentEndpoints
{
    public static void MapAgentEndpoints(this IEndpointRouteBuilder api)
    {
        var agents = api.MapGroup("/agents").RequireAuthorization(AuthPolicies.Viewer);
        agents.MapGet("", ListAsync).Produces<ListResponse<AgentDto>>();
        agents.MapGet("/{agentId}", GetAsync).Produces<AgentDto>();
    }

    private static async Task<IResult> ListAsync(HttpContext context, IBatonStore store, CancellationToken ct)
    {
        var tenantId = context.GetCaller().TenantId;
        var agents = await store.Agents.ListAsync(tenantId, ct);
        var running = await store.Agents.CountActiveJobsByAgentAsync(tenantId, ct);
        return Results.Ok(new ListResponse<AgentDto>([.. agents
            .OrderBy(a => a.Name, StringComparer.Ordinal)
            .Select(a => a.ToDto(running.GetValueOrDefault(a.Id)))]));
    }

    private static async Task<IResult> GetAsync(string agentId, HttpContext context, IBatonStore store, CancellationToken ct)
    {
        var tenantId = context.GetCaller().TenantId;
        var agent = await store.Agents.GetAsync(tenantId, agentId, ct);
        if (agent is null) return Problems.NotFound($"Agent {agentId}");
        var running = await store.Agents.CountActiveJobsByAgentAsync(tenantId, ct);
        return Results.Ok(agent.ToDto(running.GetValueOrDefault(agent.Id)));
    }
}
