using Baton.Agent.Python;

namespace Baton.Agent.Tests.Support;

public static class TestPaths
{
    /// <summary>The repository root (the folder holding Baton.slnx).</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Sample(string name) => Path.Combine(RepositoryRoot, "samples", name);

    /// <summary>The system python3 resolved to its real binary (the fastest interpreter to start).</summary>
    public static string SystemPython { get; } = NativeMethods.ResolveRealPath("/usr/bin/python3")
        ?? throw new InvalidOperationException("These tests need /usr/bin/python3.");

    public static PythonInterpreter SystemInterpreter { get; } = new(SystemPython, QueryVersion(SystemPython));

    private static Version QueryVersion(string python)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(python, ["-c", "import sys;print('.'.join(map(str,sys.version_info[:3])))"])
        {
            RedirectStandardOutput = true,
        })!;
        var text = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return Version.Parse(text);
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Baton.slnx")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("Could not find the repository root.");
    }
}
