using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;

namespace Baton.DashboardBench;

/// <summary>
/// Measures the dashboard in Chromium against a real server and agent: the overview's initial load and a job page
/// with many log lines, each in a fresh browser context (cold cache, no service worker), by Navigation Timing
/// (navigation start → load event) and by when the content is on screen, plus the bytes transferred
/// (compressed, as on the wire) until then. Targets (issue 15): overview ≤ 300 ms, job page with 10,000 lines ≤ 500 ms,
/// first load ≤ 300 KB.
/// </summary>
public static class DashboardBench
{
    private sealed record Sample(double LoadEventMs, double ReadyMs, double TransferKb, int Requests);

    public static async Task<int> RunAsync(string[] args)
    {
        var options = BenchOptions.Parse(args);
        Console.WriteLine($"Dashboard bench ({(options.Quick ? "quick" : "full")}): {options.Runs} runs per page, a job with {options.LogLines:N0} log lines, Chromium {options.Chromium}");
        await using var baton = await LocalBaton.StartAsync();
        var jobId = await baton.RunLoggingJobAsync(options.LogLines);
        var cookie = await baton.SessionCookieAsync();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = options.Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });

        // One unmeasured visit of each page: the server's first requests compile its code paths (JIT), which a running server has done.
        await MeasureAsync(browser, baton.Url, cookie, "/", ReadyOverview);
        await MeasureAsync(browser, baton.Url, cookie, $"/jobs/{jobId}", page => ReadyLog(page, options.LogLines));

        var overview = new List<Sample>();
        var job = new List<Sample>();
        for (var i = 0; i < options.Runs; i++)
        {
            overview.Add(await MeasureAsync(browser, baton.Url, cookie, "/", ReadyOverview));
            job.Add(await MeasureAsync(browser, baton.Url, cookie, $"/jobs/{jobId}", page => ReadyLog(page, options.LogLines)));
        }

        var results = new Dictionary<string, object>
        {
            ["scenario"] = "dashboard",
            ["quick"] = options.Quick,
            ["runs"] = options.Runs,
            ["log_lines"] = options.LogLines,
            ["overview_load_event_ms_median"] = Median(overview, s => s.LoadEventMs),
            ["overview_load_event_ms_p95"] = P95(overview, s => s.LoadEventMs),
            ["overview_ready_ms_median"] = Median(overview, s => s.ReadyMs),
            ["overview_transfer_kb"] = Median(overview, s => s.TransferKb),
            ["overview_requests"] = overview[^1].Requests,
            ["job_load_event_ms_median"] = Median(job, s => s.LoadEventMs),
            ["job_log_shown_ms_median"] = Median(job, s => s.ReadyMs),
            ["job_log_shown_ms_p95"] = P95(job, s => s.ReadyMs),
            ["job_transfer_kb"] = Median(job, s => s.TransferKb),
            ["notes"] = "Fresh browser context per run (cold cache). load_event: navigation start to the load event (Navigation Timing). " +
                "ready: until the overview shows its first live snapshot with charts, or the job page shows every log line. " +
                "transfer_kb: transferSize of the navigation and every resource until ready (compressed bytes on the wire, headers included); " +
                "open event streams are counted as far as they had arrived.",
        };
        foreach (var (key, value) in results) Console.WriteLine($"  {key,-32} {Format(value)}");
        if (options.JsonPath is { } path)
        {
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"Results written to {path}");
        }
        return 0;
    }

    private static async Task<Sample> MeasureAsync(IBrowser browser, string url, string cookie, string path, Func<IPage, Task> ready)
    {
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        await context.AddCookiesAsync([new Cookie { Name = "baton_session", Value = cookie, Url = url, HttpOnly = true, SameSite = SameSiteAttribute.Strict }]);
        var page = await context.NewPageAsync();
        await page.GotoAsync(url + path, new PageGotoOptions { WaitUntil = WaitUntilState.Load, Timeout = 60_000 });
        await ready(page);
        var figures = await page.EvaluateAsync<JsonElement>("""
            () => {
              const readyMs = performance.now();
              const nav = performance.getEntriesByType('navigation')[0];
              const resources = performance.getEntriesByType('resource');
              const bytes = nav.transferSize + resources.reduce((sum, r) => sum + (r.transferSize || 0), 0);
              return { load: nav.loadEventEnd - nav.startTime, ready: readyMs, bytes, requests: resources.length + 1 };
            }
            """);
        return new Sample(figures.GetProperty("load").GetDouble(), figures.GetProperty("ready").GetDouble(),
            figures.GetProperty("bytes").GetDouble() / 1024, figures.GetProperty("requests").GetInt32());
    }

    private static async Task ReadyOverview(IPage page)
    {
        await page.Locator(".live", new PageLocatorOptions { HasText = "Live" }).WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        await page.Locator("#chart-hour canvas").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
    }

    private static async Task ReadyLog(IPage page, int lines) =>
        await page.WaitForFunctionAsync("n => document.querySelectorAll('#log .line').length >= n", lines,
            new PageWaitForFunctionOptions { Timeout = 120_000, PollingInterval = 10 });

    private static double Median(List<Sample> samples, Func<Sample, double> value) => Percentile(samples, value, 0.5);

    private static double P95(List<Sample> samples, Func<Sample, double> value) => Percentile(samples, value, 0.95);

    private static double Percentile(List<Sample> samples, Func<Sample, double> value, double p)
    {
        var sorted = samples.Select(value).Order().ToList();
        return Math.Round(sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(p * sorted.Count) - 1)], 1);
    }

    private static string Format(object value) => value switch
    {
        double d => d.ToString("0.0", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
