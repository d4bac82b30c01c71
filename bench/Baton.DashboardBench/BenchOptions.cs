using System.Globalization;

namespace Baton.DashboardBench;

/// <summary>Command line of the dashboard bench: <c>--quick</c>, <c>--runs N</c>, <c>--log-lines N</c>, <c>--json FILE</c>, <c>--chromium PATH</c>, <c>--breakdown</c>.</summary>
public sealed record BenchOptions(bool Quick, int Runs, int LogLines, string? JsonPath, string Chromium, bool Breakdown)
{
    public static BenchOptions Parse(string[] args)
    {
        var quick = args.Contains("--quick");
        string? Value(string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }
        var runs = Value("--runs") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : quick ? 3 : 20;
        var lines = Value("--log-lines") is { } l ? int.Parse(l, CultureInfo.InvariantCulture) : quick ? 1_000 : 10_000;
        var chromium = Value("--chromium") ?? Environment.GetEnvironmentVariable("BATON_TEST_CHROMIUM")
            ?? new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("Chromium is not installed: apt-get install -y chromium, or pass --chromium PATH.");
        if (runs < 1 || lines < 1) throw new ArgumentException("--runs and --log-lines must be at least 1.");
        return new BenchOptions(quick, runs, lines, Value("--json"), chromium, args.Contains("--breakdown"));
    }
}
