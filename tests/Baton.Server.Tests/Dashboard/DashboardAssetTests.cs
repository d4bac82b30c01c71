using System.Net;
using System.Text.RegularExpressions;
using Baton.Server.Dashboard;
using Baton.Server.Tests.Support;
using Microsoft.Extensions.FileProviders;

namespace Baton.Server.Tests.Dashboard;

/// <summary>What the dashboard's files promise: served from the assembly, a strict CSP, no inline script, no markup from strings.</summary>
public sealed partial class DashboardAssetTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Every_page_path_answers_the_shell_with_a_strict_content_security_policy()
    {
        using var anonymous = _server.Client(null);
        foreach (var page in new[] { "/", "/jobs", "/jobs/j_anything", "/packages", "/packages/hello", "/schedules", "/agents", "/assets-and-credentials", "/work-items", "/work-items/invoices", "/events", "/system", "/sign-in" })
        {
            var response = await anonymous.GetAsync(page);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
            var csp = response.Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        }
    }

    [Fact]
    public async Task The_shell_has_no_inline_script_or_style_and_every_asset_it_names_is_served()
    {
        using var anonymous = _server.Client(null);
        var html = await anonymous.GetStringAsync("/");
        Assert.DoesNotMatch(InlineScript(), html);
        Assert.DoesNotContain("<style", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" style=", html, StringComparison.OrdinalIgnoreCase);
        foreach (Match asset in AssetReference().Matches(html))
        {
            var response = await anonymous.GetAsync(asset.Groups[1].Value);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{asset.Groups[1].Value}: {(int)response.StatusCode}");
        }
        var script = await anonymous.GetAsync("/assets/js/app.js");
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Each_page_shell_preloads_its_whole_module_graph_and_every_module_it_names_is_served()
    {
        using var anonymous = _server.Client(null);
        var html = await anonymous.GetStringAsync("/jobs/j_anything");
        var preloaded = ModulePreload().Matches(html).Select(m => m.Groups[1].Value).ToList();
        // The job page imports ansi.js and job-artifacts.js: named in the shell, they load with app.js, not after job.js.
        Assert.Equal(new[] { "pages/job.js", "dom.js", "api.js", "ansi.js", "pages/job-artifacts.js" }.Order(), preloaded.Order());
        Assert.DoesNotContain("<!--", html, StringComparison.Ordinal);
        foreach (var (page, module) in DashboardAssets.Pages)
        {
            var shell = await anonymous.GetStringAsync(page.Replace("{jobId}", "j_x").Replace("{name}", "hello").Replace("{queue}", "q"));
            var modules = ModulePreload().Matches(shell).Select(m => m.Groups[1].Value).ToList();
            Assert.Contains(module, modules);
            Assert.Equal(modules.Distinct().Count(), modules.Count);
            foreach (var name in modules)
            {
                var response = await anonymous.GetAsync("/assets/js/" + name);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{page} preloads {name}: {(int)response.StatusCode}");
            }
        }
    }

    [Fact]
    public void The_server_knows_the_module_of_every_page_app_js_routes_to()
    {
        var app = Files(DashboardAssets.Files, "js").Single(f => f.Path == "js/app.js").Text;
        var routed = DynamicPageImport().Matches(app).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Equal(routed.Order(), DashboardAssets.Pages.Select(p => p.Module).ToHashSet().Order());
    }

    [Fact]
    public void Static_imports_follow_every_level_and_skip_on_demand_imports()
    {
        var modules = DashboardAssets.StaticImports(["pages/job.js"]);
        Assert.Equal("pages/job.js", modules[0]);
        Assert.Contains("ansi.js", modules);
        Assert.Contains("pages/job-artifacts.js", modules);
        Assert.Contains("dom.js", modules);
        // app.js imports its pages only on demand (import('./pages/….js')): none of them is preloaded with it.
        Assert.Equal(new[] { "api.js", "dom.js" }, DashboardAssets.StaticImports(["app.js"]).Order());
    }

    [Fact]
    public void No_dashboard_script_builds_markup_from_strings()
    {
        var scripts = Files(DashboardAssets.Files, "js").ToList();
        Assert.True(scripts.Count >= 10, $"only {scripts.Count} scripts found");
        foreach (var (path, text) in scripts)
        {
            foreach (var sink in new[] { "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function" })
            {
                Assert.False(text.Contains(sink, StringComparison.Ordinal), $"{path} uses {sink}");
            }
        }
    }

    [Fact]
    public async Task Assets_are_compressed_for_a_browser_that_accepts_it()
    {
        using var client = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = _server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/assets/vendor/uplot/uPlot.iife.min.js");
        request.Headers.Add("Accept-Encoding", "gzip, br");
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEmpty(response.Content.Headers.ContentEncoding);
    }

    private static IEnumerable<(string Path, string Text)> Files(IFileProvider files, string folder)
    {
        foreach (var entry in files.GetDirectoryContents(folder))
        {
            var path = folder + "/" + entry.Name;
            if (entry.IsDirectory)
            {
                foreach (var inner in Files(files, path)) yield return inner;
                continue;
            }
            using var reader = new StreamReader(entry.CreateReadStream());
            yield return (path, reader.ReadToEnd());
        }
    }

    // A script element without src, other than the session's JSON data block (which the browser never runs).
    [GeneratedRegex("<script(?![^>]*\\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex("<link rel=\"modulepreload\" href=\"/assets/js/([^\"]+)\">")]
    private static partial Regex ModulePreload();

    [GeneratedRegex(@"import\('\./(pages/[^']+)'\)")]
    private static partial Regex DynamicPageImport();

    [GeneratedRegex("(?:href|src)=\"(/assets/[^\"]+)\"")]
    private static partial Regex AssetReference();
}
