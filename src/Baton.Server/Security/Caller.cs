using System.Security.Claims;
using Baton.Core.Auth;

namespace Baton.Server.Security;

/// <summary>The authenticated API caller: every request is scoped to <see cref="TenantId"/>.</summary>
public sealed record Caller(string TenantId, ApiRole Role, bool IsSystemAdmin, string? KeyId)
{
    public const string TenantClaim = "baton:tenant";
    public const string RoleClaim = "baton:role";
    public const string SystemAdminClaim = "baton:sysadmin";
    public const string KeyClaim = "baton:key";

    public IEnumerable<Claim> ToClaims()
    {
        yield return new Claim(TenantClaim, TenantId);
        yield return new Claim(RoleClaim, Role.ToText());
        if (IsSystemAdmin) yield return new Claim(SystemAdminClaim, "true");
        if (KeyId is not null) yield return new Claim(KeyClaim, KeyId);
    }

    public static Caller? FromPrincipal(ClaimsPrincipal principal)
    {
        var tenant = principal.FindFirst(TenantClaim)?.Value;
        if (tenant is null || !ApiRoles.TryParse(principal.FindFirst(RoleClaim)?.Value, out var role)) return null;
        return new Caller(tenant, role, principal.HasClaim(SystemAdminClaim, "true"), principal.FindFirst(KeyClaim)?.Value);
    }
}

/// <summary>An authenticated agent on the agent protocol.</summary>
public sealed record AgentCaller(string AgentId, string TenantId)
{
    public const string AgentClaim = "baton:agent";
}

public static class CallerExtensions
{
    public static Caller GetCaller(this HttpContext context) =>
        Caller.FromPrincipal(context.User) ?? throw new InvalidOperationException("The request has no authenticated API caller.");

    public static AgentCaller GetAgentCaller(this HttpContext context)
    {
        var agent = context.User.FindFirst(AgentCaller.AgentClaim)?.Value;
        var tenant = context.User.FindFirst(Caller.TenantClaim)?.Value;
        if (agent is null || tenant is null) throw new InvalidOperationException("The request has no authenticated agent.");
        return new AgentCaller(agent, tenant);
    }
}
