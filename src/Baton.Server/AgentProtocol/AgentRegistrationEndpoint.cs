using Baton.Core.AgentProtocol;
using Baton.Core.Api;
using Baton.Core.Dispatch.FairShare;
using Baton.Core.Dispatch;
using Baton.Server.Api;
using Baton.Server.Hosting;
using Baton.Server.Security;
using Baton.Server.Tenancy;
using Baton.Storage;
using Baton.Storage.Model;
using Microsoft.Extensions.Options;

namespace Baton.Server.AgentProtocol;

public static class AgentRegistrationEndpoint
{
    public static async Task<IResult> RegisterAsync(
        RegisterAgentRequest request,
        IBatonStore store,
        TenantDirectory tenants,
        Notifications.TenantEventPublisher events,
        IOptions<ServerOptions> options,
        TimeProvider time,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.EnrollmentToken)) return Problems.Validation("An enrollment token is required.", "enrollmentToken");
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200) return Problems.Validation("The agent name must be 1 to 200 characters.", "name");
        if (request.Slots is < 1 or > 1024) return Problems.Validation("Slots must be between 1 and 1024.", "slots");
        if (request.Capabilities is null) return Problems.Validation("Capabilities are required.", "capabilities");
        if (request.Resources is null) return Problems.Validation("Resources are required.", "resources");
        if (request.Capabilities.Group is { } group && !AgentGroupNames.IsValid(group))
        {
            return Problems.Validation($"'{group}' is not a valid agent group: {AgentGroupNames.Rule}", "capabilities.group");
        }

        var token = await store.EnrollmentTokens.FindForAuthenticationAsync(SecretTokens.IdFor(request.EnrollmentToken), cancellationToken);
        if (token is null || !SecretTokens.Matches(request.EnrollmentToken, token.SecretHash))
        {
            return Problems.Make(StatusCodes.Status401Unauthorized, ProblemTypes.Unauthorized, "Unknown enrollment token", "The enrollment token is not valid.");
        }
        if (token.RevokedAt is not null)
        {
            return Problems.Make(StatusCodes.Status401Unauthorized, ProblemTypes.Unauthorized, "Revoked enrollment token", "The enrollment token has been revoked.");
        }
        if (token.ExpiresAt is { } expires && expires <= time.GetUtcNow())
        {
            return Problems.Make(StatusCodes.Status401Unauthorized, ProblemTypes.Unauthorized, "Expired enrollment token", "The enrollment token has expired.");
        }

        var tenant = await tenants.GetAsync(token.TenantId, cancellationToken);
        if (tenant is null) return Problems.NotFound("The enrollment token's tenant");

        // Shared agents belong to the reserved shared-pool tenant and count against no tenant's agent quota.
        var shared = SharedPool.IsShared(tenant.Id);
        var maxAgents = shared ? int.MaxValue : tenant.Quotas.Agents;
        var credential = SecretTokens.NewAgentCredential();
        var agentId = SecretTokens.IdFor(credential);
        var result = await store.Agents.RegisterAsync(new NewAgent(
            agentId, tenant.Id, request.Name.Trim(), SecretTokens.Hash(credential),
            request.Capabilities, request.Resources, request.Slots, request.Version ?? "unknown"),
            maxAgents, cancellationToken);
        if (result == AgentRegistrationResult.QuotaExceeded)
        {
            var detail = $"Tenant '{tenant.Name}' already has {tenant.Quotas.Agents} online agent(s), the most its quota allows.";
            await events.QuotaReachedAsync(tenant, "agents", tenant.Quotas.Agents, detail);
            return Problems.QuotaExceeded(detail, "agents");
        }

        loggers.CreateLogger("Baton.AgentRegistration").LogInformation(
            "Agent {AgentName} registered as {AgentId} in tenant {TenantId} (shared pool: {Shared})", request.Name, agentId, tenant.Id, shared);
        var wait = AgentPollHandler.EffectiveWait(options.Value, options.Value.MaxPollWait);
        return Results.Ok(new RegisterAgentResponse(
            agentId, tenant.Id, credential, (int)wait.TotalSeconds, (int)options.Value.AgentTtl.TotalSeconds));
    }
}
