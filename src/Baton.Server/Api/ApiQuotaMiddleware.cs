using Baton.Core.Api;
using Baton.Server.Security;
using Baton.Server.Tenancy;

namespace Baton.Server.Api;

/// <summary>Counts each authenticated REST call against the tenant's daily quota; over it: 429 with Retry-After.</summary>
public sealed class ApiQuotaMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, ApiUsageMeter usage, TenantDirectory tenants, Notifications.TenantEventPublisher events)
    {
        if (context.Request.Path.StartsWithSegments("/api/v1") && Caller.FromPrincipal(context.User) is { } caller)
        {
            var tenant = await tenants.GetAsync(caller.TenantId, context.RequestAborted);
            if (tenant is not null && !await usage.TryConsumeAsync(tenant.Id, tenant.Quotas.ApiCallsPerDay, context.RequestAborted))
            {
                var retryAfter = usage.SecondsUntilReset();
                await events.QuotaReachedAsync(tenant, "apiCallsPerDay", tenant.Quotas.ApiCallsPerDay,
                    $"Tenant '{tenant.Name}' has used its {tenant.Quotas.ApiCallsPerDay} API calls for today (UTC).");
                context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await Problems.Make(StatusCodes.Status429TooManyRequests, ProblemTypes.RateLimited, "Daily API quota reached",
                    $"Tenant '{tenant.Name}' has used its {tenant.Quotas.ApiCallsPerDay} API calls for today (UTC); the quota resets in {retryAfter} s.",
                    "apiCallsPerDay").ExecuteAsync(context);
                return;
            }
        }
        await next(context);
    }
}
