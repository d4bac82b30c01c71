using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Baton.Server.Tenancy;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace Baton.Server.Dashboard;

/// <summary>
/// Serves the dashboard from the server assembly itself: its pages (one HTML shell for every page path; the page's
/// script reads the API) and its static assets under <c>/assets</c>, with a Content-Security-Policy that allows
/// scripts, styles and connections from this origin only (no inline script, no inline style element).
/// </summary>
public static partial class DashboardAssets
{
    /// <summary>
    /// The page paths the shell answers, each with the script module that renders it (app.js routes to the same one);
    /// everything the page shows comes from the API with the caller's session.
    /// </summary>
    public static readonly (string Path, string Module)[] Pages =
    [
        ("/", "pages/overview.js"), ("/sign-in", "pages/signin.js"), ("/jobs", "pages/jobs.js"), ("/jobs/{jobId}", "pages/job.js"),
        ("/packages", "pages/packages.js"), ("/packages/{name}", "pages/packages.js"), ("/schedules", "pages/schedules.js"),
        ("/agents", "pages/agents.js"), ("/assets-and-credentials", "pages/assets.js"), ("/work-items", "pages/workitems.js"),
        ("/work-items/{queue}", "pages/workitem-queue.js"), ("/events", "pages/events.js"), ("/system", "pages/system.js"),
    ];

    /// <summary>Where the shell lists the modules its page needs.</summary>
    private const string PreloadMarker = "<!-- page modules -->";

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
        foreach (var (page, module) in Pages)
        {
            var shell = Shell(module);
            var at = shell.AsSpan().IndexOf(SessionMarker);
            var (head, tail) = (shell[..at], shell[(at + SessionMarker.Length)..]);
            app.MapGet(page, async (HttpContext context, DashboardSessions sessions, TenantDirectory tenants, IOptions<JsonOptions> json, CancellationToken ct) =>
            {
                var session = await SessionEndpoints.CurrentAsync(context, sessions, tenants, ct);
                // The page carries its session's CSRF token: never stored by a cache.
                context.Response.Headers.CacheControl = "no-store";
                if (session is not null && FirstReads.TryGetValue(page, out var reads)) context.Response.Headers.Link = PreloadLinks(reads, context.Request.RouteValues);
                AddSecurityHeaders(context.Response);
                context.Response.ContentType = "text/html; charset=utf-8";
                var block = SessionBlock(session, json.Value.SerializerOptions);
                context.Response.ContentLength = head.Length + block.Length + tail.Length;
                await context.Response.Body.WriteAsync(head, ct);
                await context.Response.Body.WriteAsync(block, ct);
                await context.Response.Body.WriteAsync(tail, ct);
            }).AllowAnonymous().ExcludeFromDescription();
        }
    }

    /// <summary>Where the shell carries the session, so that the page knows who is signed in without asking.</summary>
    private static readonly byte[] SessionMarker = "<!-- session -->\n"u8.ToArray();

    /// <summary>
    /// The session as a JSON data block (never run as script, so the Content-Security-Policy allows it): <c>null</c> when
    /// signed out. Every <c>&lt;</c> is escaped, so no value (a tenant's name) can end the element.
    /// </summary>
    public static byte[] SessionBlock(DashboardSessionDto? session, JsonSerializerOptions json) =>
        Encoding.UTF8.GetBytes("<script type=\"application/json\" id=\"baton-session\">" +
            JsonSerializer.Serialize(session, json).Replace("<", "\\u003c", StringComparison.Ordinal) + "</script>\n");

    /// <summary>
    /// The API reads a page makes first, by page path (route values in braces), as <c>Link: rel=preload</c>: the browser
    /// starts them with the shell instead of after every module has loaded, and the page's own fetch of the same address
    /// takes the preloaded answer. The addresses must be exactly those the page's script asks for.
    /// </summary>
    private static readonly Dictionary<string, string[]> FirstReads = new()
    {
        ["/jobs/{jobId}"] = ["/api/v1/jobs/{jobId}", "/api/v1/jobs/{jobId}/logs/compact?after=0&limit=10000"],
    };

    private static string PreloadLinks(string[] reads, RouteValueDictionary values) =>
        string.Join(", ", reads.Select(read =>
        {
            var address = RouteValue().Replace(read, m => Uri.EscapeDataString(Convert.ToString(values[m.Groups[1].Value], System.Globalization.CultureInfo.InvariantCulture) ?? ""));
            // Low priority: the page's own scripts and styles, which the browser asks for meanwhile, come first.
            return $"<{address}>; rel=preload; as=fetch; crossorigin; fetchpriority=low";
        }));

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex RouteValue();

    /// <summary>
    /// The shell for a page, naming as <c>modulepreload</c> every module the page's script imports, directly or not (its
    /// static imports, read from the files): the browser fetches them all with app.js instead of one import level per
    /// round trip, and the page's first API request leaves that much earlier.
    /// </summary>
    public static byte[] Shell(string module)
    {
        var html = ReadText("index.html");
        var preloads = new StringBuilder();
        foreach (var dependency in StaticImports(["app.js", module]))
        {
            preloads.Append("<link rel=\"modulepreload\" href=\"/assets/js/").Append(dependency).Append("\">\n");
        }
        if (!html.Contains(PreloadMarker, StringComparison.Ordinal)) throw new InvalidOperationException($"index.html lacks {PreloadMarker}.");
        if (!html.Contains("<!-- session -->\n", StringComparison.Ordinal)) throw new InvalidOperationException("index.html lacks <!-- session -->.");
        return Encoding.UTF8.GetBytes(html.Replace(PreloadMarker + "\n", preloads.ToString(), StringComparison.Ordinal));
    }

    /// <summary>The modules under js/ that <paramref name="roots"/> import statically, roots included, app.js excepted (the shell loads it).</summary>
    public static IReadOnlyList<string> StaticImports(IEnumerable<string> roots)
    {
        var found = new List<string>();
        var pending = new Queue<string>(roots);
        while (pending.TryDequeue(out var module))
        {
            if (found.Contains(module)) continue;
            found.Add(module);
            var location = new Uri(ModuleRoot, module);
            foreach (Match import in StaticImport().Matches(ReadText("js/" + module)))
            {
                pending.Enqueue(ModuleRoot.MakeRelativeUri(new Uri(location, import.Groups[1].Value)).ToString());
            }
        }
        found.Remove("app.js");
        return found;
    }

    private static readonly Uri ModuleRoot = new("http://dashboard/assets/js/");

    private static string ReadText(string path)
    {
        var file = Files.GetFileInfo(path);
        if (!file.Exists) throw new InvalidOperationException($"The dashboard has no {path}.");
        using var reader = new StreamReader(file.CreateReadStream());
        return reader.ReadToEnd();
    }

    // `import … from './x.js'` and `export … from './x.js'` at a line's start; `import('./x.js')` loads later, on demand.
    [GeneratedRegex(@"^(?:import|export)\b[^;]*?\bfrom\s*'(\.{1,2}/[^']+)'", RegexOptions.Multiline)]
    private static partial Regex StaticImport();

    private static void AddSecurityHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers["Cross-Origin-Opener-Policy"] = "same-origin";
    }
}
