namespace Baton.Agent.Python;

/// <summary>A Python interpreter found on this machine: the real binary (no symlinks, no shims) and its version.</summary>
public sealed record PythonInterpreter(string Path, Version Version)
{
    public string VersionText => $"{Version.Major}.{Version.Minor}.{Math.Max(0, Version.Build)}";
}
