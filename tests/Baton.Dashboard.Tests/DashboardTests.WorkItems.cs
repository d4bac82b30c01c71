using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Baton.Core.Api;
using Baton.EndToEnd.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Baton.Dashboard.Tests;

/// <summary>What jobs leave behind, in the browser: a job's artifacts on its page, and work-item queues with their items.</summary>
public sealed partial class DashboardTests
{
    [Fact]
    public async Task Artifacts_of_a_job_are_listed_with_their_size_and_download_byte_identical()
    {
        var push = await CliRunner.RunAsync(fixture.Cluster.CliEnv(), "package", "push", Repo.Sample("report"));
        Assert.True(push.ExitCode == 0, push.ToString());
        var job = await fixture.SubmitAsync(new SubmitJobRequest("report", Inputs: Inputs("""{"rows":20}""")));
        var page = await fixture.SignedInPageAsync();
        await fixture.ExplainedAsync(page, async () =>
        {
            await page.GotoAsync($"{Url}/jobs/{job.Id}");
            await Expect(page.Locator(".job-header .badge")).ToHaveTextAsync("succeeded", Long);
            var rows = page.Locator("#job-artifacts tbody tr");
            await Expect(rows).ToHaveCountAsync(2);
            await Expect(rows.Filter(new() { HasText = "chart.bin" })).ToContainTextAsync("64 KiB");
            await Expect(rows.Filter(new() { HasText = "reports/report.csv" })).ToBeVisibleAsync();

            using var api = fixture.Cluster.Api();
            var listed = await api.GetFromJsonAsync<ListResponse<ArtifactDto>>($"/api/v1/jobs/{job.Id}/artifacts", Cluster.Json);
            foreach (var name in new[] { "chart.bin", "reports/report.csv" })
            {
                var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = name, Exact = true }).ClickAsync());
                var bytes = await File.ReadAllBytesAsync((await download.PathAsync())!);
                Assert.Equal(listed!.Items.Single(a => a.Name == name).Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
                Assert.Equal(name.Split('/')[^1], download.SuggestedFilename);
            }
            await fixture.ScreenshotAsync(page, "job-artifacts");
        });
        await fixture.CloseAsync(page);
    }

    [Fact]
    public async Task Work_item_queues_show_their_counts_and_items_by_state_to_their_tenant_only()
    {
        var queue = "invoices-" + Guid.NewGuid().ToString("N")[..6];
        await PushAsync("wi-dashboard", """
            import baton


            def main(queue):
                for item in baton.workitems(queue):
                    if item.payload.get("bad"):
                        item.fail("invoice has no customer", business=True)
                    else:
                        item.done({"paid": item.payload["n"]})
            """, """
            name: wi-dashboard
            version: 1.0.0
            entrypoint: main:main
            timeout: 60s
            parameters:
              queue:
                type: string
                required: true
            """);
        using (var api = fixture.Cluster.Api())
        {
            var added = await api.PostAsJsonAsync($"/api/v1/workitem-queues/{queue}/items", new AddWorkItemsRequest([
                new NewWorkItemRequest(JsonSerializer.SerializeToElement(new { n = 1 }), "INV-1"),
                new NewWorkItemRequest(JsonSerializer.SerializeToElement(new { n = 2, bad = true }), "INV-2"),
                new NewWorkItemRequest(JsonSerializer.SerializeToElement(new { n = 3 }), "INV-3")]), Cluster.Json);
            Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());
        }
        var job = await fixture.SubmitAsync(new SubmitJobRequest("wi-dashboard", Inputs: Inputs($$"""{"queue":"{{queue}}"}""")));
        Assert.Equal("succeeded", (await fixture.Cluster.WaitForJobAsync(job.Id, j => j.State is "succeeded" or "failed", TimeSpan.FromMinutes(2))).State);
        using (var api = fixture.Cluster.Api())
        {
            var more = await api.PostAsJsonAsync($"/api/v1/workitem-queues/{queue}/items", new AddWorkItemsRequest([new NewWorkItemRequest(Reference: "INV-4")]), Cluster.Json);
            Assert.True(more.IsSuccessStatusCode, await more.Content.ReadAsStringAsync());
            // A trigger that waits for 100 items: shown on the queue's page, it starts nothing here.
            var trigger = await api.PutAsJsonAsync($"/api/v1/workitem-queues/{queue}/trigger", new SetWorkItemTriggerRequest("wi-dashboard", MaxJobs: 2, MinItems: 100), Cluster.Json);
            Assert.True(trigger.IsSuccessStatusCode, await trigger.Content.ReadAsStringAsync());
        }

        var page = await fixture.SignedInPageAsync(fixture.ViewerKey);
        await fixture.ExplainedAsync(page, async () =>
        {
            await page.GetByRole(AriaRole.Link, new() { Name = "Work items", Exact = true }).ClickAsync();
            var row = page.Locator("#workitem-queues tbody tr", new() { HasText = queue });
            // Queue, pending, in progress, done, failed, business failures, SLA missed, retries.
            string[] counts = [queue, "1", "0", "2", "1", "1", "0", "0"];
            for (var i = 0; i < counts.Length; i++) await Expect(row.Locator("td").Nth(i)).ToHaveTextAsync(counts[i]);
            await row.GetByRole(AriaRole.Link, new() { Name = queue }).ClickAsync();
            await page.WaitForURLAsync($"**/work-items/{queue}");
            await Expect(page.Locator("#workitem-counts")).ToContainTextAsync("1 pending · 0 in progress · 2 done · 1 failed (1 business)");
            var items = page.Locator("#workitem-list tbody tr");
            await Expect(items).ToHaveCountAsync(4);
            await Expect(page.Locator("#workitem-trigger")).ToContainTextAsync("Starts wi-dashboard@latest while at least 100 items wait, up to 2 jobs at once.");
            await Expect(page.Locator("#workitem-trigger")).ToContainTextAsync("No job working now.");

            await page.Locator("#wi-state").SelectOptionAsync("done");
            await Expect(items).ToHaveCountAsync(2);
            await Expect(items.First).ToContainTextAsync(job.Id);
            Assert.EndsWith("?state=done", page.Url, StringComparison.Ordinal);
            await page.Locator("#wi-state").SelectOptionAsync("failed");
            await Expect(items).ToHaveCountAsync(1);
            await Expect(items).ToContainTextAsync("business: invoice has no customer");
            await page.Locator("#wi-state").SelectOptionAsync("in_progress");
            await Expect(page.Locator("#workitem-list")).ToContainTextAsync("No in progress items.");
            await fixture.ScreenshotAsync(page, "work-items");
        });
        await fixture.CloseAsync(page);

        var other = await fixture.SignedInPageAsync(fixture.OtherTenantKey);
        await fixture.ExplainedAsync(other, async () =>
        {
            await other.GotoAsync($"{Url}/work-items");
            await Expect(other.Locator("#workitem-queues")).ToContainTextAsync("No work-item queues yet.");
            await other.GotoAsync($"{Url}/work-items/{queue}");
            await Expect(other.GetByRole(AriaRole.Heading, new() { Name = "Work-item queue not found" })).ToBeVisibleAsync();
            Assert.DoesNotContain("INV-1", await other.ContentAsync(), StringComparison.Ordinal);
        });
        await fixture.CloseAsync(other);
    }
}
