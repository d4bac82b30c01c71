using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace Baton.Server.Dashboard;

/// <summary>
/// Serves the dashboard from the server assembly itself: its pages (one HTML shell for every page path; the page's
/// script reads the API) and its static assets under <c>/assets</c>, with a Content-Security-Policy that allows
/// scripts, styles and connections from this origin only (no inline script, no inline style element).
/// </summary>
public static class DashboardAssets
{
    /// <summary>The page paths the shell answers; everything the page shows comes from the API with the caller's session.</summary>
    public static readonly string[] Pages =
        ["/", "/sign-in", "/jobs", "/jobs/{jobId}", "/packages", "/packages/{name}", "/schedules", "/agents", "/assets-and-credentials", "/work-items",
        "/work-items/{queue}", "/events", "/system"];

    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static IFileProvider Files { get; } = new ManifestEmbeddedFileProvider(typeof(DashboardAssets).Assembly, "Dashboard/wwwroot");

    public static void UseDashboardAssets(this WebApplication app)
    {
        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".js"] = "text/javascript; charset=utf-8";
        types.Mappings[".map"] = "application/json";
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = Files,
            RequestPath = "/assets",
            ContentTypeProvider = types,
            // Revalidated on every load (a 304 when unchanged): a new server version is picked up without a stale cache.
            OnPrepareResponse = c =>
            {
                c.Context.Response.Headers.CacheControl = "no-cache";
                AddSecurityHeaders(c.Context.Response);
            },
        });
    }

    public static void MapDashboardPages(this IEndpointRouteBuilder app)
    {
        var shell = ReadShell();
        foreach (var page in Pages)
        {
            app.MapGet(page, (HttpContext context) =>
            {
                context.Response.Headers.CacheControl = "no-cache";
                AddSecurityHeaders(context.Response);
                return Results.Bytes(shell, "text/html; charset=utf-8");
            }).AllowAnonymous().ExcludeFromDescription();
        }
    }

    private static byte[] ReadShell()
    {
        using var stream = Files.GetFileInfo("index.html").CreateReadStream();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static void AddSecurityHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers["Cross-Origin-Opener-Policy"] = "same-origin";
    }
}
