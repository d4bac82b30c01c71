using System.Net;
using System.Net.Http.Json;
using Baton.Core.Api;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using Cluster = Baton.EndToEnd.Tests.Support.Cluster;

namespace Baton.Dashboard.Tests;

/// <summary>The assets page: an admin creates, edits and deletes; a credential's secret is write-only; a viewer and another tenant see what they may.</summary>
public sealed partial class DashboardTests
{
    [Fact]
    public async Task Assets_page_creates_edits_filters_and_deletes_and_never_shows_a_secret()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var login = "erp-login-" + suffix;
        var url = "erp-url-" + suffix;
        var secret = "pw-never-shown-" + suffix;
        var page = await fixture.SignedInPageAsync();
        page.Dialog += (_, dialog) => _ = dialog.AcceptAsync();
        await fixture.ExplainedAsync(page, async () =>
        {
            await page.GetByRole(AriaRole.Link, new() { Name = "Assets", Exact = true }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Assets and credentials" })).ToBeVisibleAsync();

            // A credential: the secret goes in a password field that is emptied once saved.
            await page.Locator("#asset-name").FillAsync(login);
            await page.Locator("#asset-type").SelectOptionAsync("credential");
            await page.Locator("#asset-username").FillAsync("robot");
            await page.Locator("#asset-secret").FillAsync(secret);
            await page.Locator("#asset-save").ClickAsync();
            await Expect(page.Locator("#asset-message")).ToHaveTextAsync($"Asset {login} saved.");
            var row = page.Locator("#asset-list tr", new() { HasText = login });
            await Expect(row).ToContainTextAsync("robot · secret set");
            // The form is back to a new text asset; the secret field, shown again, is empty.
            await page.Locator("#asset-type").SelectOptionAsync("credential");
            await Expect(page.Locator("#asset-secret")).ToHaveValueAsync("");
            await page.Locator("#asset-type").SelectOptionAsync("text");

            // A text value scoped to a queue.
            await page.Locator("#asset-name").FillAsync(url);
            await page.Locator("#asset-value").FillAsync("https://erp.example/<b>api</b>");
            await page.Locator("#asset-queue").FillAsync("batch");
            await page.Locator("#asset-save").ClickAsync();
            var urlRow = page.Locator("#asset-list tr", new() { HasText = url });
            await Expect(urlRow).ToContainTextAsync("https://erp.example/<b>api</b>");
            await Expect(urlRow).ToContainTextAsync("queue batch");

            // Editing the credential without typing a secret keeps the one it has.
            await page.GetByRole(AriaRole.Button, new() { Name = "Edit " + login }).ClickAsync();
            await Expect(page.Locator("#asset-form-title")).ToHaveTextAsync("Edit " + login);
            await Expect(page.Locator("#asset-secret")).ToHaveValueAsync("");
            await page.Locator("#asset-username").FillAsync("robot-2");
            await page.Locator("#asset-save").ClickAsync();
            await Expect(row).ToContainTextAsync("robot-2 · secret set");
            using var api = fixture.Cluster.Api();
            Assert.Equal(secret, await RevealAsync(api, login, ""));

            // An agent group's override, with a secret of its own; then removed.
            await page.GetByRole(AriaRole.Button, new() { Name = "Edit " + login }).ClickAsync();
            await page.Locator("#override-group").FillAsync("eu");
            await page.Locator("#override-username").FillAsync("robot-eu");
            await page.Locator("#override-secret").FillAsync(secret + "-eu");
            await page.Locator("#override-save").ClickAsync();
            await Expect(page.Locator("#override-status")).ToHaveTextAsync("Override for eu saved.");
            await Expect(page.Locator("#override-secret")).ToHaveValueAsync("");
            await Expect(row).ToContainTextAsync("eu: robot-eu · secret set");
            Assert.Equal(secret + "-eu", await RevealAsync(api, login, "?group=eu"));
            await page.GetByRole(AriaRole.Button, new() { Name = "Remove the override for eu" }).ClickAsync();
            await Expect(page.Locator("#override-status")).ToHaveTextAsync("Override for eu removed.");
            await Expect(row).Not.ToContainTextAsync("robot-eu");
            await page.GetByRole(AriaRole.Button, new() { Name = "Cancel edit" }).ClickAsync();
            await Expect(page.Locator("#asset-overrides section")).ToHaveCountAsync(0);
            Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);
            await fixture.ScreenshotAsync(page, "assets");

            // Filtering by name and by type, kept in the address.
            await page.Locator("#a-search").FillAsync(suffix);
            await Expect(page.Locator("#asset-list tbody tr")).ToHaveCountAsync(2);
            await page.Locator("#a-type").SelectOptionAsync("credential");
            await Expect(page.Locator("#asset-list tbody tr")).ToHaveCountAsync(1);
            await Expect(page.Locator("#asset-list tbody tr")).ToContainTextAsync(login);
            Assert.Contains("type=credential", page.Url, StringComparison.Ordinal);

            await page.GetByRole(AriaRole.Button, new() { Name = "Delete " + login }).ClickAsync();
            await Expect(page.Locator("#asset-message")).ToHaveTextAsync($"Asset {login} deleted.");
            await Expect(page.Locator("#asset-list")).ToContainTextAsync("No asset matches.");
            Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/v1/assets/{login}")).StatusCode);
        });
        await fixture.CloseAsync(page);
    }

    private static async Task<string> RevealAsync(HttpClient api, string name, string query)
    {
        var revealed = await api.PostAsync($"/api/v1/assets/{name}/reveal{query}", null);
        return (await revealed.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<RevealedCredentialDto>(Cluster.Json))!.Secret;
    }

    [Fact]
    public async Task Assets_page_shows_a_viewer_no_write_action_and_another_tenant_nothing()
    {
        var name = "viewer-sees-" + Guid.NewGuid().ToString("N")[..6];
        using (var api = fixture.Cluster.Api())
        {
            var saved = await api.PutAsJsonAsync($"/api/v1/assets/{name}", new SaveAssetRequest("credential", Username: "svc", Secret: "viewer-never-sees-this"), Cluster.Json);
            saved.EnsureSuccessStatusCode();
        }
        var page = await fixture.SignedInPageAsync(fixture.ViewerKey);
        await fixture.ExplainedAsync(page, async () =>
        {
            await page.GotoAsync(Url + "/assets-and-credentials");
            await Expect(page.Locator("#asset-list tr", new() { HasText = name })).ToContainTextAsync("svc · secret set");
            await Expect(page.Locator("#asset-form")).ToHaveCountAsync(0);
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Edit " + name })).ToHaveCountAsync(0);
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Delete " + name })).ToHaveCountAsync(0);
            Assert.DoesNotContain("viewer-never-sees-this", await page.ContentAsync(), StringComparison.Ordinal);
            var statuses = await page.EvaluateAsync<int[]>($$"""
                async () => {
                  const session = await (await fetch('/api/v1/auth/session')).json();
                  const headers = { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrfToken };
                  const put = await fetch('/api/v1/assets/{{name}}', { method: 'PUT', headers, body: JSON.stringify({ type: 'text', value: 'x' }) });
                  const del = await fetch('/api/v1/assets/{{name}}', { method: 'DELETE', headers });
                  return [put.status, del.status];
                }
                """);
            Assert.Equal([403, 403], statuses);
        });
        await fixture.CloseAsync(page);

        var other = await fixture.SignedInPageAsync(fixture.OtherTenantKey);
        await fixture.ExplainedAsync(other, async () =>
        {
            await other.GotoAsync(Url + "/assets-and-credentials");
            await Expect(other.Locator("#asset-list")).ToContainTextAsync("No assets yet.");
            Assert.DoesNotContain(name, await other.ContentAsync(), StringComparison.Ordinal);
        });
        await fixture.CloseAsync(other);
    }
}
