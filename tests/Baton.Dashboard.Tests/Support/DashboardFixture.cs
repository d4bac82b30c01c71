using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.DashboardBench;
using Baton.EndToEnd.Tests.Support;
using Microsoft.Playwright;

namespace Baton.Dashboard.Tests.Support;

/// <summary>
/// One real server process, one agent and one Chromium shared by a test class: tenant A (admin and viewer keys) with
/// the sleep sample pushed, and tenant B with its own admin key. Each test opens its own browser context, so cookies
/// never cross tests.
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    public Cluster Cluster { get; } = new();

    public string ViewerKey { get; private set; } = "";

    public string OtherTenantKey { get; private set; } = "";

    public IBrowser Browser { get; private set; } = null!;

    private IPlaywright? _playwright;

    private BatonProcess? _agent;

    /// <summary>Screenshots go under the test results folder test.sh hands to CI (TestResults at the repository root).</summary>
    public static string ScreenshotFolder { get; } = Path.Combine(
        Environment.GetEnvironmentVariable("BATON_TEST_RESULTS") ?? Path.Combine(Repo.Root, "TestResults"), "dashboard-screenshots");

    public async Task InitializeAsync()
    {
        await Cluster.StartServerAsync();
        _agent = await Cluster.StartAgentAsync("dashboard-agent", slots: 3);
        var push = await CliRunner.RunAsync(Cluster.CliEnv(), "package", "push", Repo.Sample("sleep"));
        if (push.ExitCode != 0) throw new InvalidOperationException($"Pushing sleep failed: {push}");

        using var api = Cluster.Api();
        var viewer = await api.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("dashboard viewer", "viewer"));
        ViewerKey = (await viewer.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<CreatedApiKeyDto>(Cluster.Json))!.Secret;
        var tenant = await api.PostAsJsonAsync("/api/v1/tenants", new CreateTenantRequest("dashboard-other"));
        OtherTenantKey = (await tenant.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<CreateTenantResponse>(Cluster.Json))!.AdminKey.Secret;

        Directory.CreateDirectory(ScreenshotFolder);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath(),
            Headless = true,
            Args = ChromiumSwitches.Args,
        });
    }

    /// <summary>Debian's chromium (test.sh installs it); never a downloaded browser. Missing, the suite fails and says so.</summary>
    public static string ChromiumPath()
    {
        var configured = Environment.GetEnvironmentVariable("BATON_TEST_CHROMIUM");
        foreach (var candidate in new[] { configured, "/usr/bin/chromium", "/usr/bin/chromium-browser" })
        {
            if (!string.IsNullOrEmpty(candidate) && File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException("Chromium is not installed: apt-get install -y chromium (test.sh does it), or set BATON_TEST_CHROMIUM.");
    }

    /// <summary>A fresh browser context signed in with <paramref name="key"/> (through the sign-in form), at 1280×800.</summary>
    public async Task<IPage> SignedInPageAsync(string? key = null, int width = 1280, int height = 800)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        _scriptErrors[page] = errors;
        Watch(page);
        await ExplainedAsync(page, async () =>
        {
            await page.GotoAsync(Cluster.Url + "/");
            await page.GetByLabel("API key").FillAsync(key ?? Cluster.AdminKey);
            await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Sign in" }).ClickAsync();
            await page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Name = "Overview" }).WaitForAsync();
        });
        return page;
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<IPage, List<string>> _scriptErrors = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<IPage, System.Collections.Concurrent.ConcurrentQueue<string>> _traffic = new();

    /// <summary>Notes what went wrong on the wire and in the console, for <see cref="ExplainedAsync"/>.</summary>
    private void Watch(IPage page)
    {
        var notes = _traffic.GetOrAdd(page, _ => new());
        void Note(string text)
        {
            notes.Enqueue($"{TimeProvider.System.GetUtcNow():HH:mm:ss.fff} {text}");
            while (notes.Count > 40) notes.TryDequeue(out _);
        }
        page.Response += (_, response) =>
        {
            if (response.Status < 400) return;
            var what = $"{response.Request.Method} {new Uri(response.Url).PathAndQuery} -> {response.Status}";
            if (response.Request.Method == "GET") Note(what);
            else _ = response.TextAsync().ContinueWith(body => Note($"{what} {(body.IsCompletedSuccessfully ? body.Result : "")}"), TaskScheduler.Default);
        };
        page.RequestFailed += (_, request) => Note($"{request.Method} {new Uri(request.Url).PathAndQuery} failed: {request.Failure}");
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning") Note($"console {message.Type}: {message.Text} ({message.Location})");
        };
    }

    /// <summary>
    /// Runs a step of a test on <paramref name="page"/>; when it fails, the failure says what the page showed (its address,
    /// status lines, alerts and the busy notice) and the failed requests and console errors before it, so a flaky wait
    /// explains itself in a CI log.
    /// </summary>
    public async Task ExplainedAsync(IPage page, Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException or Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException($"{ex.Message}\n--- the page then ---\n{await DescribeAsync(page)}", ex);
        }
    }

    private async Task<string> DescribeAsync(IPage page)
    {
        var shown = "";
        try
        {
            shown = await page.EvaluateAsync<string>("""
                () => [...document.querySelectorAll('main h1, [role=status], [role=alert], .error, #notice, .job-header, #who')]
                  .filter(e => e.textContent.trim())
                  .map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.hidden ? ' (hidden)' : ''}: ${e.textContent.trim().replace(/\s+/g, ' ').slice(0, 300)}`)
                  .join('\n')
                """);
        }
        catch (PlaywrightException ex)
        {
            shown = "(the page could not be read: " + ex.Message + ")";
        }
        var notes = _traffic.TryGetValue(page, out var queue) ? string.Join("\n", queue) : "";
        // On a job's page, what the API says of the job: a page that missed an update, or a job that did not move.
        var jobId = System.Text.RegularExpressions.Regex.Match(page.Url, "/jobs/([^/?#]+)");
        if (jobId.Success)
        {
            try
            {
                using var api = Cluster.Api();
                shown += $"\n--- the API's job ---\n{await api.GetStringAsync($"/api/v1/jobs/{jobId.Groups[1].Value}")}";
            }
            catch (HttpRequestException ex)
            {
                shown += $"\n(the API's job could not be read: {ex.Message})";
            }
        }
        return $"url: {page.Url}\n{shown}\n--- failed requests and console errors ---\n{(notes.Length > 0 ? notes : "(none)")}" +
            $"\n--- the agent's last lines ---\n{Tail(_agent?.Output, 40)}\n--- the server's last lines ---\n{Tail(Cluster.Server.Output, 40)}";
    }

    private static string Tail(string? output, int lines)
    {
        var all = (output ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return all.Length == 0 ? "(nothing)" : string.Join("\n", all[Math.Max(0, all.Length - lines)..]);
    }

    /// <summary>Closes the page's browser context; an uncaught script error on the page fails the test.</summary>
    public async Task CloseAsync(IPage page)
    {
        await page.Context.CloseAsync();
        _traffic.TryRemove(page, out _);
        _scriptErrors.TryRemove(page, out var errors);
        Assert.True(errors is null || errors.Count == 0, "Uncaught script errors: " + string.Join("\n", errors ?? []));
    }

    public async Task ScreenshotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });

    /// <summary>The sample folder as the zip an operator would drop on the packages page.</summary>
    public static string ZipSample(string name)
    {
        var zip = Path.Combine(Path.GetTempPath(), $"baton-dashboard-{name}-{Guid.NewGuid():N}.zip");
        ZipFile.CreateFromDirectory(Repo.Sample(name), zip);
        return zip;
    }

    public async Task<JobDto> SubmitAsync(SubmitJobRequest request, string? key = null)
    {
        using var api = Cluster.Api(key);
        var response = await api.PostAsJsonAsync("/api/v1/jobs", request, Cluster.Json);
        if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK))
        {
            throw new InvalidOperationException($"Submitting failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        return (await response.Content.ReadFromJsonAsync<JobDto>(Cluster.Json))!;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        await Cluster.DisposeAsync();
    }
}
