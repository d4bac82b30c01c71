using Baton.DashboardBench;
using Baton.Dashboard.Tests.Support;
using Microsoft.Playwright;

namespace Baton.Dashboard.Tests;

/// <summary>
/// The switches the bench and the browser tests give Chromium (<see cref="ChromiumSwitches"/>), checked against the
/// browser processes they start: Chromium keeps only the last <c>--disable-features</c>, so ours must still turn off
/// every feature Playwright turns off, and the address bar's popups must not be built per window.
/// </summary>
public sealed class ChromiumSwitchesTests
{
    [Fact]
    public async Task Our_feature_list_keeps_every_feature_playwright_turns_off()
    {
        var playwrights = await DisabledFeaturesAsync(["--no-sandbox", "--disable-dev-shm-usage"]);
        var ours = await DisabledFeaturesAsync(ChromiumSwitches.Args);

        Assert.NotEmpty(playwrights);
        Assert.Empty(playwrights.Except(ours));
        Assert.Superset(ChromiumSwitches.AddressBarPopups.ToHashSet(), ours);
    }

    [Fact]
    public async Task No_window_builds_the_address_bar_popups()
    {
        // At most the one top-chrome page a browser may preload for itself, never one per window.
        Assert.InRange(await TopChromeRenderersAsync(ChromiumSwitches.Args, windows: 3, watch: TimeSpan.FromSeconds(5)), 0, 1);
    }

    [Fact]
    public async Task Without_the_switches_every_window_builds_them()
    {
        // The check above can fail: Chromium's defaults give each window its popups' renderer.
        Assert.True(await TopChromeRenderersAsync(["--no-sandbox", "--disable-dev-shm-usage"], windows: 3, watch: TimeSpan.FromSeconds(60)) >= 3);
    }

    /// <summary>The features the browser process was started with turned off, as its command line says.</summary>
    private static async Task<HashSet<string>> DisabledFeaturesAsync(IEnumerable<string> args)
    {
        var (browser, marker) = await LaunchAsync(args);
        await using var _ = browser;
        var switches = BrowserProcesses(marker)[0].CommandLine;
        var last = switches.Split(' ').Last(arg => arg.StartsWith("--disable-features=", StringComparison.Ordinal));
        return last["--disable-features=".Length..].Split(',').ToHashSet();
    }

    /// <summary>
    /// The most renderers of top-chrome WebUI pages seen while <paramref name="windows"/> contexts have each shown a page,
    /// watched for <paramref name="watch"/> or until there is one per window.
    /// </summary>
    private static async Task<int> TopChromeRenderersAsync(IEnumerable<string> args, int windows, TimeSpan watch)
    {
        var (browser, marker) = await LaunchAsync(args);
        await using var _ = browser;
        for (var i = 0; i < windows; i++)
        {
            var page = await (await browser.NewContextAsync()).NewPageAsync();
            await page.SetContentAsync("<p>window</p>");
        }
        // The popups are built just after the window shows, later on a busy machine.
        var watched = System.Diagnostics.Stopwatch.StartNew();
        var most = 0;
        while (most < windows && watched.Elapsed < watch)
        {
            most = Math.Max(most, BrowserProcesses(marker).Count(p => p.CommandLine.Contains("--top-chrome-webui", StringComparison.Ordinal)));
            await Task.Delay(250);
        }
        return most;
    }

    /// <summary>
    /// A browser launched with <paramref name="args"/> and a switch Chromium ignores that names it among the other tests'
    /// browsers.
    /// </summary>
    private static async Task<(IBrowser Browser, string Marker)> LaunchAsync(IEnumerable<string> args)
    {
        var marker = "--baton-test-browser=" + Guid.NewGuid().ToString("N");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = DashboardFixture.ChromiumPath(),
            Headless = true,
            Args = [.. args, marker],
        });
        browser.Disconnected += (_, _) => playwright.Dispose();
        return (browser, marker);
    }

    /// <summary>The browser process started with <paramref name="marker"/> (first), then every process descending from it.</summary>
    private static List<(int Pid, string CommandLine)> BrowserProcesses(string marker)
    {
        var parents = new Dictionary<int, int>();
        var lines = new Dictionary<int, string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // pid (comm) state ppid …: the command name may hold spaces, so read after its closing parenthesis.
                parents[pid] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]);
                lines[pid] = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process ended while it was read.
            }
        }
        // The browser process: its children (renderers, GPU, crash handler) are started without our switch, but a child it
        // has forked and not yet exec'd still shows the browser's command line: the browser is the one whose parent is not one.
        var marked = lines.Where(p => p.Value.Contains(marker, StringComparison.Ordinal) && !p.Value.Contains("--type=", StringComparison.Ordinal))
            .Select(p => p.Key)
            .ToHashSet();
        var root = marked.Single(pid => !(parents.TryGetValue(pid, out var parent) && marked.Contains(parent)));
        bool Descends(int pid)
        {
            for (var hops = 0; hops < 64 && parents.TryGetValue(pid, out var parent); hops++, pid = parent)
            {
                if (parent == root) return true;
            }
            return false;
        }
        return [(root, lines[root]), .. lines.Where(p => Descends(p.Key)).Select(p => (p.Key, p.Value))];
    }
}
