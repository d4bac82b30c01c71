using Baton.Core.Api;
using Baton.Server.Api;

namespace Baton.Server.Dashboard;

/// <summary>
/// Refuses a state-changing request authenticated by the dashboard's session cookie unless it carries the session's
/// CSRF token in <see cref="DashboardSessions.CsrfHeader"/>: a form or script on another site can make the browser
/// send the cookie (SameSite=Strict already stops most), never the header. Bearer-token callers are not concerned:
/// a browser never attaches their credential by itself.
/// </summary>
public sealed class CsrfMiddleware(RequestDelegate next, DashboardSessions sessions)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var method = context.Request.Method;
        var safe = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);
        if (!safe
            && context.User.HasClaim(DashboardSessions.SessionClaim, "true")
            && DashboardSessions.CookieFrom(context.Request) is { } session
            && !await sessions.CsrfMatchesAsync(session, context.Request.Headers[DashboardSessions.CsrfHeader].ToString(), context.RequestAborted))
        {
            await Problems.Make(StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "Forbidden",
                    $"A write made with the dashboard's session cookie must carry the session's {DashboardSessions.CsrfHeader} header; nothing was changed.")
                .ExecuteAsync(context);
            return;
        }
        await next(context);
    }
}
