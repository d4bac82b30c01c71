using System.Net.Http.Json;
using Baton.Core.Api;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Baton.Dashboard.Tests;

/// <summary>The dashboard under a busy server and live updates: writes survive a refusal, buttons survive an update.</summary>
public sealed partial class DashboardTests
{
    [Fact]
    public async Task A_write_refused_by_a_busy_server_is_sent_again_after_its_retry_after_and_the_page_says_so()
    {
        var job = await PendingJobInAPausedQueueAsync();
        var page = await fixture.SignedInPageAsync();
        await fixture.ExplainedAsync(page, async () =>
        {
            // The first cancel is answered as the saturation throttle answers (503, Retry-After, nothing changed); the retry goes through.
            var refused = 0;
            await page.RouteAsync("**/api/v1/jobs/*/cancel", async route =>
            {
                if (Interlocked.Increment(ref refused) == 1)
                {
                    await route.FulfillAsync(new RouteFulfillOptions
                    {
                        Status = 503,
                        Headers = new Dictionary<string, string> { ["Retry-After"] = "2" },
                        ContentType = "application/problem+json",
                        Body = """{"type":"https://baton.dev/problems/server-busy","title":"Server busy","status":503}""",
                    });
                }
                else
                {
                    await route.ContinueAsync();
                }
            });
            await page.GotoAsync($"{Url}/jobs/{job.Id}");
            await Expect(page.Locator(".job-header .badge")).ToHaveTextAsync("pending");
            await page.Locator("#cancel-job").ClickAsync();
            await Expect(page.Locator("#notice")).ToHaveTextAsync("Server busy, retrying in 2 s…");
            await Expect(page.Locator("#job-message")).ToHaveTextAsync("Cancellation requested.", Long);
            await Expect(page.Locator(".job-header .badge")).ToHaveTextAsync("cancelled", Long);
            await Expect(page.Locator("#notice")).ToBeHiddenAsync();
            Assert.Equal(2, refused);
        });
        await fixture.CloseAsync(page);
    }

    [Fact]
    public async Task The_cancel_answering_after_the_job_ended_does_not_put_it_back_to_running()
    {
        var job = await fixture.SubmitAsync(new SubmitJobRequest("sleep", Inputs: Inputs("""{"seconds":120}""")));
        var page = await fixture.SignedInPageAsync();
        await fixture.ExplainedAsync(page, async () =>
        {
            // The cancel's answer (running, cancel requested) is held until the agent has ended the job, so it reaches the
            // page after the stream has shown the job cancelled and closed: the race a fast agent wins in CI.
            await page.RouteAsync("**/api/v1/jobs/*/cancel", async route =>
            {
                var answer = await route.FetchAsync();
                await fixture.Cluster.WaitForJobAsync(job.Id, j => j.State == "cancelled", TimeSpan.FromSeconds(60));
                await Expect(page.Locator(".job-header .badge")).ToHaveTextAsync("cancelled", Long);
                await route.FulfillAsync(new RouteFulfillOptions { Response = answer });
            });
            await page.GotoAsync($"{Url}/jobs/{job.Id}");
            await Expect(page.Locator(".job-header .badge")).ToHaveTextAsync("running", Long);
            await page.Locator("#cancel-job").ClickAsync();
            await Expect(page.Locator("#job-message")).ToHaveTextAsync("Cancellation requested.", Long);
            await Expect(page.Locator(".job-header .badge")).ToHaveTextAsync("cancelled");
            await Expect(page.Locator("#cancel-job")).ToHaveCountAsync(0);
        });
        await fixture.CloseAsync(page);
    }

    [Fact]
    public async Task A_live_update_leaves_the_action_buttons_in_place()
    {
        var job = await PendingJobInAPausedQueueAsync();
        var page = await fixture.SignedInPageAsync();
        await fixture.ExplainedAsync(page, async () =>
        {
            await page.GotoAsync($"{Url}/jobs/{job.Id}");
            await Expect(page.Locator(".job-header")).ToContainTextAsync("priority 0");
            await page.EvaluateAsync("() => { window.__cancelButton = document.querySelector('#cancel-job'); }");

            // Another client changes the priority: the header follows over the stream, the buttons stay the same nodes.
            using var api = fixture.Cluster.Api();
            (await api.PatchAsJsonAsync($"/api/v1/jobs/{job.Id}", new { priority = 7 })).EnsureSuccessStatusCode();
            await Expect(page.Locator(".job-header")).ToContainTextAsync("priority 7");
            Assert.True(await page.EvaluateAsync<bool>("() => window.__cancelButton.isConnected && window.__cancelButton === document.querySelector('#cancel-job')"));
            (await api.PostAsync($"/api/v1/jobs/{job.Id}/cancel", null)).EnsureSuccessStatusCode();
            await Expect(page.Locator("#cancel-job")).ToHaveCountAsync(0);
        });
        await fixture.CloseAsync(page);
    }

    [Fact]
    public async Task The_system_page_charts_the_autoscalers_forecast_of_a_worker_target()
    {
        using var api = fixture.Cluster.Api();
        // A paused forecast-only policy: the forecaster plans, nothing is ever scaled (the command would do nothing anyway).
        (await api.PutAsJsonAsync("/api/v1/system/autoscale/policies", new ApplyAutoscalePolicyRequest("""
            name: dashboard-fleet
            target: worker/default
            provider: {type: command, command: "true"}
            evaluationInterval: 1h
            triggers:
              - type: QueueDepth
                threshold: 1000
                scaleUp: {incrementSize: 1, cooldownSeconds: 60}
                scaleDown: {decrementSize: 1, cooldownSeconds: 600}
            limits: {minReplicas: 1, maxReplicas: 3}
            predictive: {mode: forecast-only, slotsPerReplica: 2, leadTime: 90s}
            """))).EnsureSuccessStatusCode();
        (await api.PostAsync("/api/v1/system/autoscale/pause?target=worker/default", null)).EnsureSuccessStatusCode();
        try
        {
            var page = await fixture.SignedInPageAsync();
            await fixture.ExplainedAsync(page, async () =>
            {
                await page.GotoAsync($"{Url}/system");
                var forecasts = page.Locator("#forecasts");
                await Expect(forecasts.GetByRole(AriaRole.Heading, new() { Name = "worker/default (forecast-only)" })).ToBeVisibleAsync();
                await Expect(forecasts.Locator("canvas")).ToHaveCountAsync(1);
                await Expect(forecasts).ToContainTextAsync("lead time 00:01:30");
                await Expect(forecasts).ToContainTextAsync("Forecast demand");
                await fixture.ScreenshotAsync(page, "system-forecast");
            });
            await fixture.CloseAsync(page);
        }
        finally
        {
            (await api.DeleteAsync("/api/v1/system/autoscale/policies?target=worker/default")).EnsureSuccessStatusCode();
        }
    }

    private async Task<JobDto> PendingJobInAPausedQueueAsync()
    {
        using var api = fixture.Cluster.Api();
        var queue = "held-" + Guid.NewGuid().ToString("N")[..6];
        (await api.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest(queue))).EnsureSuccessStatusCode();
        (await api.PostAsync($"/api/v1/queues/{queue}/pause", null)).EnsureSuccessStatusCode();
        return await fixture.SubmitAsync(new SubmitJobRequest("sleep", Inputs: Inputs("""{"seconds":0.2}"""), Queue: queue));
    }
}
