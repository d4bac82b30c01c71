using System.Globalization;
using System.Text.Json;
using Baton.Core.Api;
using Baton.Core.Throttling;
using Baton.Server.Security;

namespace Baton.Server.Api;

/// <summary>
/// While the server is saturated, a single submission (<c>POST /api/v1/jobs</c>) of a tenant whose ready backlog
/// already holds what its agents claim in a couple of seconds is refused at once — 503, Retry-After, nothing
/// changed (<see cref="ReadyBacklog"/>). It runs right after authentication, which it needs for the tenant, and
/// before the body is read, so a refusal stays cheap. Batches ask the same bound for their size in their endpoint.
/// </summary>
public sealed class BacklogBoundMiddleware(RequestDelegate next, SaturationMonitor monitor, ReadyBacklog backlog)
{
    private static readonly byte[] Body = JsonSerializer.SerializeToUtf8Bytes(new
    {
        type = ProblemTypes.ServerBusy,
        title = "Server busy",
        status = StatusCodes.Status503ServiceUnavailable,
        detail = "The server is saturated and this tenant already has as many jobs waiting as its agents take in the next seconds; nothing was changed. Retry after the number of seconds in Retry-After.",
    });

    private readonly RateWindow _refusals = new();
    private readonly RateWindow _admissions = new();

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method) || !request.Path.Equals("/api/v1/jobs", StringComparison.OrdinalIgnoreCase)
            || Caller.FromPrincipal(context.User) is not { } caller)
        {
            return next(context);
        }
        if (backlog.TryAdmit(caller.TenantId, 1, monitor.IsSaturated))
        {
            _admissions.Add();
            return next(context);
        }

        _refusals.Add();
        context.Items[Metrics.HttpMetrics.ThrottledItem] = "backlog";
        var response = context.Response;
        response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        response.Headers.RetryAfter = RetryAfterAdvice.Seconds(_refusals.PerSecond(), _admissions.PerSecond(), Random.Shared.NextDouble())
            .ToString(CultureInfo.InvariantCulture);
        response.ContentType = "application/problem+json";
        response.ContentLength = Body.Length;
        return response.Body.WriteAsync(Body, context.RequestAborted).AsTask();
    }
}
