using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Baton.Core.Api;
using Baton.Dashboard.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Baton.Dashboard.Tests;

/// <summary>
/// The dashboard in a real Chromium against a real server and agent: the flows the issue lists, each in its own
/// browser context over one shared server and browser.
/// </summary>
public sealed partial class DashboardTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private static readonly LocatorAssertionsToHaveTextOptions Long = new() { Timeout = 90_000 };
    private string Url => fixture.Cluster.Url;

    static DashboardTests() => SetDefaultExpectTimeout(30_000);

    [Fact]
    public async Task Sign_in_push_and_run_hello_from_the_ui_and_see_it_succeed_with_its_logs()
    {
        var page = await fixture.SignedInPageAsync();
        await fixture.ExplainedAsync(page, async () =>
        {
            await page.GetByRole(AriaRole.Link, new() { Name = "Packages", Exact = true }).ClickAsync();
            await page.Locator("#package-file").SetInputFilesAsync(DashboardFixture.ZipSample("hello"));
            // Not WaitForURLAsync: its check-then-subscribe can miss the route change (playwright-dotnet#3364).
            await Expect(page).ToHaveURLAsync(new Regex("/packages/hello$"));
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Manifest of 1.0.0" })).ToBeVisibleAsync();
            await fixture.ScreenshotAsync(page, "packages");

            // The run form is generated from the manifest: hello's one parameter, its default filled in.
            await Expect(page.Locator("#param-name")).ToHaveValueAsync("world");
            await page.Locator("#param-name").FillAsync("dashboard");
            await page.Locator("#run-submit").ClickAsync();
            await Expect(page).ToHaveURLAsync(new Regex("/jobs/[^/]+$"));

            await Expect(page.Locator(".job-header .badge")).ToHaveTextAsync("succeeded", Long);
            await Expect(page.Locator("#log")).ToContainTextAsync("Hello, dashboard!");
            await Expect(page.Locator(".log-tools")).ToContainTextAsync("end of log");
            await Expect(page.GetByText("\"greeting\": \"Hello, dashboard!\"")).ToBeVisibleAsync();
            await fixture.ScreenshotAsync(page, "job");
        });
        await fixture.CloseAsync(page);
    }

    [Fact]
    public async Task A_job_moves_from_pending_to_succeeded_without_reloading()
    {
        using var api = fixture.Cluster.Api();
        var queue = "held-" + Guid.NewGuid().ToString("N")[..6];
        (await api.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest(queue))).EnsureSuccessStatusCode();
        (await api.PostAsync($"/api/v1/queues/{queue}/pause", null)).EnsureSuccessStatusCode();
        var job = await fixture.SubmitAsync(new SubmitJobRequest("sleep", Inputs: Inputs("""{"seconds":0.2}"""), Queue: queue));

        var page = await fixture.SignedInPageAsync();
        await fixture.ExplainedAsync(page, async () =>
        {
            await page.GotoAsync($"{Url}/jobs/{job.Id}");
            await Expect(page.Locator(".job-header .badge")).ToHaveTextAsync("pending");
            await Expect(page.Locator("section", new() { HasText = "Why is it waiting?" }).Locator("li").First).ToBeVisibleAsync();
            await page.EvaluateAsync("() => { window.__sameDocument = 42; }");

            (await api.PostAsync($"/api/v1/queues/{queue}/resume", null)).EnsureSuccessStatusCode();
            await Expect(page.Locator(".job-header .badge")).ToHaveTextAsync("succeeded", Long);
            Assert.Equal(42, await page.EvaluateAsync<int>("() => window.__sameDocument"));
            await Expect(page.Locator(".timeline")).ToContainTextAsync("succeeded");
        });
        await fixture.CloseAsync(page);
    }

    [Fact]
    public async Task Cancel_a_running_sleep_job()
    {
        var job = await fixture.SubmitAsync(new SubmitJobRequest("sleep", Inputs: Inputs("""{"seconds":120}""")));
        var page = await fixture.SignedInPageAsync();
        await fixture.ExplainedAsync(page, async () =>
        {
            await page.GotoAsync($"{Url}/jobs/{job.Id}");
            await Expect(page.Locator(".job-header .badge")).ToHaveTextAsync("running", Long);
            await page.Locator("#cancel-job").ClickAsync();
            // The server has taken the request (a busy server's refusals retried meanwhile), then the agent ends the job.
            await Expect(page.Locator("#job-message")).ToHaveTextAsync("Cancellation requested.", Long);
            await Expect(page.Locator(".job-header .badge")).ToHaveTextAsync("cancelled", Long);
            await Expect(page.Locator("#cancel-job")).ToHaveCountAsync(0);
        });
        await fixture.CloseAsync(page);
    }

    [Fact]
    public async Task A_viewer_sees_no_write_actions_and_a_forged_write_is_refused()
    {
        var job = await fixture.SubmitAsync(new SubmitJobRequest("sleep", Inputs: Inputs("""{"seconds":60}""")));
        var page = await fixture.SignedInPageAsync(fixture.ViewerKey);
        await fixture.ExplainedAsync(page, async () =>
        {
            await page.GotoAsync($"{Url}/jobs/{job.Id}");
            await Expect(page.Locator(".job-header .badge")).ToBeVisibleAsync();
            await Expect(page.Locator("#job-actions button")).ToHaveCountAsync(0);

            await page.GotoAsync($"{Url}/packages/sleep");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Manifest of 1.0.0" })).ToBeVisibleAsync();
            await Expect(page.Locator("#run-form")).ToHaveCountAsync(0);
            await page.GotoAsync($"{Url}/packages");
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "sleep" })).ToBeVisibleAsync();
            await Expect(page.Locator("#dropzone")).ToHaveCountAsync(0);
            await page.GotoAsync($"{Url}/agents");
            await Expect(page.GetByText("dashboard-agent")).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Pause" })).ToHaveCountAsync(0);

            // The page's own session and CSRF token, used by hand: the server refuses the viewer's write anyway.
            var statuses = await page.EvaluateAsync<int[]>($$"""
                async () => {
                  const session = await (await fetch('/api/v1/auth/session')).json();
                  const headers = { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrfToken };
                  const submit = await fetch('/api/v1/jobs', { method: 'POST', headers, body: JSON.stringify({ package: 'sleep' }) });
                  const cancel = await fetch('/api/v1/jobs/{{job.Id}}/cancel', { method: 'POST', headers });
                  return [submit.status, cancel.status];
                }
                """);
            Assert.Equal([403, 403], statuses);
            using var api = fixture.Cluster.Api();
            var after = await api.GetFromJsonAsync<JobDto>($"/api/v1/jobs/{job.Id}", Baton.EndToEnd.Tests.Support.Cluster.Json);
            Assert.False(after!.CancelRequested);
            (await api.PostAsync($"/api/v1/jobs/{job.Id}/cancel", null)).EnsureSuccessStatusCode();
        });
        await fixture.CloseAsync(page);
    }

    [Fact]
    public async Task Tenant_b_cannot_open_tenant_a_job_by_url()
    {
        var job = await fixture.SubmitAsync(new SubmitJobRequest("sleep", Inputs: Inputs("""{"seconds":0.1}""")));
        var page = await fixture.SignedInPageAsync(fixture.OtherTenantKey);
        await fixture.ExplainedAsync(page, async () =>
        {
            await page.GotoAsync($"{Url}/jobs/{job.Id}");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Job not found" })).ToBeVisibleAsync();
            Assert.Equal(404, await page.EvaluateAsync<int>($"async () => (await fetch('/api/v1/jobs/{job.Id}')).status"));
            Assert.Equal(404, await page.EvaluateAsync<int>($"async () => (await fetch('/api/v1/jobs/{job.Id}/logs')).status"));
            await Expect(page.Locator("main")).Not.ToContainTextAsync("sleep@");
        });
        await fixture.CloseAsync(page);
    }

    [Fact]
    public async Task A_log_with_a_script_tag_shows_it_as_text_and_ansi_colours_as_colours()
    {
        await PushAsync("xss-log", """
            def main(note="<b>bold?</b>"):
                print("<script>alert(1)</script>")
                print("\x1b[31mred text\x1b[0m then plain")
                return {"html": "<img src=x onerror=alert(2)>"}
            """, """
            name: xss-log
            version: 1.0.0
            entrypoint: main:main
            timeout: 60s
            parameters:
              note:
                type: string
                default: "<i>x</i>"
            """);
        var job = await fixture.SubmitAsync(new SubmitJobRequest("xss-log", Inputs: Inputs("""{"note":"<svg onload=alert(3)>"}""")));
        var page = await fixture.SignedInPageAsync();
        await fixture.ExplainedAsync(page, async () =>
        {
            var dialogs = 0;
            page.Dialog += (_, dialog) =>
            {
                dialogs++;
                _ = dialog.DismissAsync();
            };
            await page.GotoAsync($"{Url}/jobs/{job.Id}");
            await Expect(page.Locator(".job-header .badge")).ToHaveTextAsync("succeeded", Long);
            await Expect(page.Locator("#log")).ToContainTextAsync("<script>alert(1)</script>");
            await Expect(page.Locator("#log .ansi-fg1")).ToHaveTextAsync("red text");
            await Expect(page.GetByText("<svg onload=alert(3)>")).ToBeVisibleAsync();
            await Expect(page.GetByText("<img src=x onerror=alert(2)>")).ToBeVisibleAsync();
            Assert.Equal(0, await page.Locator("main script, main img, main svg").CountAsync());
            Assert.Equal(0, dialogs);
        });
        await fixture.CloseAsync(page);
    }

    [Fact]
    public async Task Writes_made_with_the_cookie_but_without_the_csrf_token_are_refused()
    {
        using var api = fixture.Cluster.Api();
        var queue = "csrf-" + Guid.NewGuid().ToString("N")[..6];
        (await api.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest(queue))).EnsureSuccessStatusCode();
        var page = await fixture.SignedInPageAsync();
        await fixture.ExplainedAsync(page, async () =>
        {
            // A plain HTML form post, as a forged page would send it: the cookie goes along, the token cannot.
            var formResponse = await page.RunAndWaitForResponseAsync(async () => await page.EvaluateAsync($$"""
                () => {
                  const form = document.createElement('form');
                  form.method = 'post';
                  form.action = '/api/v1/queues/{{queue}}/pause';
                  const field = document.createElement('input');
                  field.name = 'paused';
                  field.value = 'true';
                  form.append(field);
                  document.body.append(form);
                  form.submit();
                }
                """), response => response.Url.EndsWith($"/queues/{queue}/pause", StringComparison.Ordinal));
            Assert.Equal(403, formResponse.Status);
            Assert.Contains("X-CSRF-Token", await formResponse.TextAsync(), StringComparison.Ordinal);

            await page.GotoAsync(Url + "/agents");
            var statuses = await page.EvaluateAsync<int[]>($$"""
                async () => {
                  const without = await fetch('/api/v1/queues/{{queue}}/pause', { method: 'POST' });
                  const wrong = await fetch('/api/v1/queues/{{queue}}/pause', { method: 'POST', headers: { 'X-CSRF-Token': 'forged' } });
                  const del = await fetch('/api/v1/queues/{{queue}}', { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: '{"priority":5}' });
                  return [without.status, wrong.status, del.status];
                }
                """);
            Assert.Equal([403, 403, 403], statuses);
            var unchanged = await api.GetFromJsonAsync<QueueDto>($"/api/v1/queues/{queue}", Baton.EndToEnd.Tests.Support.Cluster.Json);
            Assert.False(unchanged!.Paused);
            Assert.Equal(0, unchanged.Priority);

            // The page's own button carries the token: the same write goes through.
            var row = page.Locator("tr", new() { HasText = queue });
            await row.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
            await Expect(row.GetByRole(AriaRole.Button, new() { Name = "Resume" })).ToBeVisibleAsync();
            var paused = await api.GetFromJsonAsync<QueueDto>($"/api/v1/queues/{queue}", Baton.EndToEnd.Tests.Support.Cluster.Json);
            Assert.True(paused!.Paused);
        });
        await fixture.CloseAsync(page);
    }

    [Fact]
    public async Task The_session_cookie_is_http_only_same_site_strict_and_signing_out_ends_it()
    {
        var page = await fixture.SignedInPageAsync();
        await fixture.ExplainedAsync(page, async () =>
        {
            var cookie = Assert.Single(await page.Context.CookiesAsync(), c => c.Name == "baton_session");
            Assert.True(cookie.HttpOnly);
            Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
            Assert.True(cookie.Expires > TimeProvider.System.GetUtcNow().ToUnixTimeSeconds());
            Assert.Equal("", await page.EvaluateAsync<string>("() => document.cookie"));
            var token = cookie.Value;
            using var copy = new HttpClient { BaseAddress = new Uri(Url) };
            copy.DefaultRequestHeaders.Add("Cookie", "baton_session=" + token);
            Assert.Equal(HttpStatusCode.OK, (await copy.GetAsync("/api/v1/me")).StatusCode);

            await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to Baton" })).ToBeVisibleAsync();
            Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "baton_session");
            Assert.Equal(401, await page.EvaluateAsync<int>("async () => (await fetch('/api/v1/me')).status"));
            // The session's token is not an API credential: as a bearer token it is refused.
            using var bearer = fixture.Cluster.Api(token);
            Assert.Equal(HttpStatusCode.Unauthorized, (await bearer.GetAsync("/api/v1/me")).StatusCode);
            // Signing out revoked it on the server: the copy of the cookie kept elsewhere is refused too.
            Assert.Equal(HttpStatusCode.Unauthorized, (await copy.GetAsync("/api/v1/me")).StatusCode);
        });
        await fixture.CloseAsync(page);
    }

    [Fact]
    public async Task Every_main_page_renders_without_script_errors_and_is_saved_as_a_screenshot()
    {
        var page = await fixture.SignedInPageAsync();
        await fixture.ExplainedAsync(page, async () =>
        {
            var errors = new List<string>();
            page.PageError += (_, error) => errors.Add(error);
            page.Console += (_, message) =>
            {
                if (message.Type == "error") errors.Add(message.Text);
            };
            await Expect(page.Locator(".live")).ToContainTextAsync("Live");
            await Expect(page.Locator("#chart-hour canvas")).ToHaveCountAsync(1);
            await fixture.ScreenshotAsync(page, "overview");

            foreach (var (link, heading, file) in new[]
            {
                ("Jobs", "Jobs", "jobs"), ("Schedules", "Schedules", "schedules"), ("Agents & queues", "Agents and queues", "agents"),
                ("Events", "Events and webhooks", "events"), ("System", "System", "system"), ("Packages", "Packages", "packages-list"),
            })
            {
                await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = link, Exact = true }).ClickAsync();
                await Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading, Exact = true, Level = 1 })).ToBeVisibleAsync();
                await Expect(page.GetByText("Loading…")).ToHaveCountAsync(0);
                await fixture.ScreenshotAsync(page, file);
            }

            // The cron helper shows the next fires as the expression is typed.
            await page.GotoAsync(Url + "/schedules");
            await page.Locator("#s-cron").FillAsync("0 9 * * mon");
            await page.Locator("#s-zone").FillAsync("UTC");
            await Expect(page.Locator("#cron-preview li")).ToHaveCountAsync(5);
            await Expect(page.Locator("#cron-preview li").First).ToContainTextAsync("9:00");

            // Dark theme and a phone's width.
            await page.GotoAsync(Url + "/");
            await page.GetByRole(AriaRole.Button, new() { Name = "Switch between dark and light theme" }).ClickAsync();
            await page.SetViewportSizeAsync(390, 844);
            await Expect(page.Locator(".live")).ToContainTextAsync("Live");
            await fixture.ScreenshotAsync(page, "overview-phone-theme-switched");
            Assert.True(errors.Count == 0, "Script errors: " + string.Join("\n", errors));
        });
        await fixture.CloseAsync(page);
    }

    private static Dictionary<string, JsonElement> Inputs(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    private async Task PushAsync(string name, string main, string manifest)
    {
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            await using (var writer = new StreamWriter(archive.CreateEntry("baton.yaml").Open())) await writer.WriteAsync(manifest);
            await using (var writer = new StreamWriter(archive.CreateEntry("main.py").Open())) await writer.WriteAsync(main);
        }
        using var api = fixture.Cluster.Api();
        using var content = new ByteArrayContent(zip.ToArray());
        content.Headers.ContentType = new("application/zip");
        var response = await api.PostAsync("/api/v1/packages", content);
        Assert.True(response.IsSuccessStatusCode, $"Pushing {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
