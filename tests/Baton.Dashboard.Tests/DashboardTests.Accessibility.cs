using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Baton.Dashboard.Tests;

public sealed partial class DashboardTests
{
    /// <summary>axe-core's WCAG 2 A and AA rules (contrast, names, labels, landmarks) on the main pages, in both themes.</summary>
    [Fact]
    public async Task The_main_pages_pass_axe_wcag_aa_checks_in_both_themes()
    {
        var job = await fixture.SubmitAsync(new Core.Api.SubmitJobRequest("sleep", Inputs: Inputs("""{"seconds":0.1}""")));
        var page = await fixture.SignedInPageAsync();
        var failures = new List<string>();
        foreach (var theme in new[] { "light", "dark" })
        {
            await page.EvaluateAsync("theme => localStorage.setItem('baton-theme', theme)", theme);
            foreach (var path in new[] { "/", "/jobs", $"/jobs/{job.Id}", "/packages/sleep", "/schedules", "/agents", "/assets-and-credentials", "/work-items", "/events", "/system" })
            {
                await page.GotoAsync(Url + path);
                await Expect(page.Locator("main h1")).ToBeVisibleAsync();
                await Expect(page.GetByText("Loading…")).ToHaveCountAsync(0);
                if (path == "/") await Expect(page.Locator("#chart-hour canvas")).ToHaveCountAsync(1);
                var result = await page.RunAxe(new AxeRunOptions
                {
                    RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa"] },
                });
                foreach (var violation in result.Violations)
                {
                    failures.Add($"{theme} {path}: {violation.Id} ({violation.Impact}) {violation.Help}: " +
                        string.Join(" | ", violation.Nodes.Take(3).Select(n => n.Html + " " + string.Join("; ", n.Any.Concat(n.All).Concat(n.None).Select(c => c.Message)))));
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        await fixture.CloseAsync(page);
    }
}
