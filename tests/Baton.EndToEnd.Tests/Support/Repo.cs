namespace Baton.EndToEnd.Tests.Support;

/// <summary>Where the repository and the built <c>baton</c> binary are.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>The CLI built alongside these tests (same configuration), run with <c>dotnet baton.dll</c>.</summary>
    public static string BatonDll { get; } = FindBatonDll();

    public static string Sample(string name) => Path.Combine(Root, "samples", name);

    /// <summary>How to run <c>dotnet baton.dll ARGS</c> from the repository root (or <paramref name="workingDirectory"/>) with all output captured.</summary>
    public static System.Diagnostics.ProcessStartInfo BatonStartInfo(
        IReadOnlyDictionary<string, string>? env, IEnumerable<string> args, string? workingDirectory = null)
    {
        var info = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Root,
        };
        info.ArgumentList.Add(BatonDll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in env ?? new Dictionary<string, string>()) info.Environment[key] = value;
        return info;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Baton.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException("Cannot find the repository root (Baton.slnx) above " + AppContext.BaseDirectory);
    }

    private static string FindBatonDll()
    {
        // tests/Baton.EndToEnd.Tests/bin/<Configuration>/net10.0/
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent?.Name ?? "Debug";
        var path = Path.Combine(Root, "src", "Baton.Cli", "bin", configuration, "net10.0", "baton.dll");
        if (!File.Exists(path)) throw new InvalidOperationException($"The baton CLI is not built at {path}.");
        return path;
    }
}
