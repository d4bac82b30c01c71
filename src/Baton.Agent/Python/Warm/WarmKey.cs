namespace Baton.Agent.Python.Warm;

/// <summary>
/// Which warm interpreter a job forks from: one per interpreter or venv python, and one per
/// package version (its extracted folder) for a package that preloads modules.
/// </summary>
internal sealed record WarmKey(string Python, string? PackageDirectory, string Preload)
{
    public static WarmKey For(string python, string packageDirectory, IReadOnlyList<string>? preload) =>
        preload is { Count: > 0 } ? new WarmKey(python, packageDirectory, string.Join(',', preload)) : new WarmKey(python, null, "");

    public bool Preloads => Preload.Length > 0;

    /// <summary>The same interpreter without the package's modules.</summary>
    public WarmKey WithoutPreload() => new(Python, null, "");

    public override string ToString() => Preloads ? $"{Python} preloading {Preload}" : Python;
}
