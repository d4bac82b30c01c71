using Baton.Core.Api;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Baton.Dashboard.Tests;

/// <summary>A long log on the job page: fetched once, with the page, and shown in chunks scrolled to its end.</summary>
public sealed partial class DashboardTests
{
    [Fact]
    public async Task A_long_log_is_asked_for_once_with_the_page_and_shown_to_its_last_line()
    {
        await PushAsync("long-log", """
            import sys

            def main(lines=600):
                for i in range(lines - 1):
                    print("line %d of %d" % (i + 1, lines))
                sys.stdout.flush()
                print("the last line, on stderr", file=sys.stderr)
                return {"lines": lines}
            """, """
            name: long-log
            version: 1.0.0
            entrypoint: main:main
            timeout: 60s
            """);
        var job = await fixture.SubmitAsync(new SubmitJobRequest("long-log"));
        using (var api = fixture.Cluster.Api())
        {
            for (var i = 0; i < 300 && !(await api.GetStringAsync($"/api/v1/jobs/{job.Id}")).Contains("\"succeeded\"", StringComparison.Ordinal); i++)
            {
                await Task.Delay(200);
            }
        }
        var page = await fixture.SignedInPageAsync();
        await fixture.ExplainedAsync(page, async () =>
        {
            await page.GotoAsync($"{Url}/jobs/{job.Id}");
            await Expect(page.Locator(".job-header .badge")).ToHaveTextAsync("succeeded", Long);
            await Expect(page.Locator("#log")).ToHaveAttributeAsync("data-lines", "600");
            // The chunks at the end are built at once, the earlier one when near the view or while the page is idle; the
            // log is aria-busy until every chunk holds its lines.
            await Expect(page.Locator("#log")).Not.ToHaveAttributeAsync("aria-busy", "true");
            // Every line, each ending in its newline (plain stdout lines share text nodes; only the stderr line has a row). The
            // stdout lines are in their order; stdout and stderr are two pipes, read apart, so where the stderr line falls
            // among them is the agent's reading order (as in any terminal), not something to hold the page to.
            var lines = (await page.Locator("#log").TextContentAsync())!.Split('\n');
            Assert.Equal("", lines[^1]);
            Assert.Single(lines, "the last line, on stderr");
            Assert.Equal(Enumerable.Range(1, 599).Select(i => $"line {i} of 600"), lines[..^1].Where(l => l != "the last line, on stderr"));
            // 250 lines to a chunk, each laid out only near the view; the view sits at the log's end.
            await Expect(page.Locator("#log .chunk")).ToHaveCountAsync(3);
            await Expect(page.Locator("#log .line")).ToHaveCountAsync(1);
            await Expect(page.Locator("#log .line.stderr")).ToHaveTextAsync("the last line, on stderr\n");
            // The log card sits below the fold at 1280×800: brought into view, its last chunk is laid out at its real
            // size (shorter than the estimate) and the log still shows its end.
            await page.Locator("#log").ScrollIntoViewIfNeededAsync();
            await Expect(page.Locator("#log .chunk").Last).ToBeInViewportAsync();
            await page.WaitForFunctionAsync( // the log scrolled to its end
                "() => { const l = document.getElementById('log'); return l.scrollTop > 0 && l.scrollHeight - l.scrollTop - l.clientHeight < 2; }");
            await Expect(page.Locator("#log .chunk").First).Not.ToBeInViewportAsync();

            // The shell carries the session, and its Link header preloads the job and its log (in the compact form); the page's
            // own requests take those answers.
            var fetches = await FetchesAsync(page);
            Assert.DoesNotContain(fetches, f => f.StartsWith("/api/v1/auth/session", StringComparison.Ordinal));
            foreach (var read in new[] { $"/api/v1/jobs/{job.Id}", $"/api/v1/jobs/{job.Id}/logs/compact?after=0&limit=10000" })
            {
                Assert.Equal([read + " link"], fetches.Where(f => f.StartsWith(read + " ", StringComparison.Ordinal)));
            }
        });
        await fixture.CloseAsync(page);
    }

    /// <summary>The page's requests so far, each as "path?query initiatorType".</summary>
    private static Task<string[]> FetchesAsync(IPage page) => page.EvaluateAsync<string[]>(
        "() => performance.getEntriesByType('resource').map(r => new URL(r.name).pathname + new URL(r.name).search + ' ' + r.initiatorType)");
}
