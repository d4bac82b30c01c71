namespace Baton.DashboardBench;

/// <summary>
/// The switches the dashboard bench and the browser tests launch Debian's Chromium with (the tests link this file).
/// </summary>
/// <remarks>
/// Chromium 156 builds its address bar's popups (two WebUI pages in a renderer of their own, about 0.9 s of CPU) for every
/// window it opens. The bench and the tests open a window per browser context, so on a two-core machine that browser
/// work raced the page under test; real users open a window once, not per page. Turning the two features off leaves
/// the page's own work unchanged.
/// Chromium keeps only the last <c>--disable-features</c> it is given, so the list repeats the one Playwright passes
/// itself (Playwright 1.64, its <c>chromiumSwitches</c>); <c>ChromiumSwitchesTests</c> fails when Playwright's list
/// gains a feature this one lacks, or when the popups' renderers come back.
/// </remarks>
public static class ChromiumSwitches
{
    /// <summary>The features Playwright itself turns off.</summary>
    public static readonly string[] PlaywrightDisabledFeatures =
    [
        "AvoidUnnecessaryBeforeUnloadCheckSync", "DestroyProfileOnBrowserClose", "DialMediaRouteProvider", "GlobalMediaControls",
        "HttpsUpgrades", "LensOverlay", "MediaRouter", "PaintHolding", "ThirdPartyStoragePartitioning",
        "BlockOriginHeaderModificationOnRedirect", "AvoidCorsURLLoaderRestartOnRedirect", "Translate", "AutoDeElevate",
        "OptimizationHints", "NetworkTimeServiceQuerying", "AimEnabled", "msForceBrowserSignIn",
        "msEdgeUpdateLaunchServicesPreferredVersion",
    ];

    /// <summary>The address bar's WebUI popups, built per window: both must be off for neither to be built.</summary>
    public static readonly string[] AddressBarPopups = ["WebUIOmniboxAimPopup", "WebUIOmniboxPopup"];

    /// <summary>
    /// Headless Chromium as root (the sandbox needs a user namespace CI may not have; the pages are our own), shared memory
    /// in /tmp (a container's /dev/shm is small), and neither address bar popup.
    /// </summary>
    public static IReadOnlyList<string> Args { get; } =
        ["--no-sandbox", "--disable-dev-shm-usage", "--disable-features=" + string.Join(',', [.. PlaywrightDisabledFeatures, .. AddressBarPopups])];
}
