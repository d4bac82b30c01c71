namespace Baton.Agent.Python;

/// <summary>
/// A Python interpreter found on this machine: the real binary (no symlinks, no shims), its
/// version, and how long it takes to start (measured once at discovery; zero when unmeasured).
/// </summary>
public sealed record PythonInterpreter(string Path, Version Version, TimeSpan StartupTime = default)
{
    public string VersionText => $"{Version.Major}.{Version.Minor}.{Math.Max(0, Version.Build)}";

    /// <summary>
    /// The interpreter a job runs on: among those satisfying the range, the quickest to start
    /// (interpreter start dominates a short job: a pyenv build can take 4× the system one),
    /// newest first among those within 10 ms of each other.
    /// </summary>
    public static PythonInterpreter? Choose(IEnumerable<PythonInterpreter> interpreters, string? range) =>
        interpreters
            .Where(i => Baton.Core.Dispatch.RequirementMatcher.PythonVersionSatisfies(i.VersionText, range))
            .OrderBy(i => (long)(i.StartupTime.TotalMilliseconds / 10))
            .ThenByDescending(i => i.Version)
            .FirstOrDefault();
}
