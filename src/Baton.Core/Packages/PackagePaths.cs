namespace Baton.Core.Packages;

/// <summary>
/// Paths inside a package, always relative to its root with <c>/</c> separators. Shared by the
/// manifest (script and requirements paths) and the archive inspector (entry names) so both agree
/// on what a path means.
/// </summary>
public static class PackagePaths
{
    /// <summary>Whether a path is rooted: <c>/x</c>, <c>\x</c>, <c>\\server\x</c> or <c>C:\x</c>/<c>C:x</c>.</summary>
    public static bool IsAbsolute(string path) =>
        path.StartsWith('/') || path.StartsWith('\\') || (path.Length >= 2 && char.IsAsciiLetter(path[0]) && path[1] == ':');

    /// <summary>
    /// Resolves <c>.</c> and <c>..</c> segments and empty segments. Returns null when the path climbs
    /// above the root (<c>../x</c>, <c>a/../../x</c>). Backslashes count as separators.
    /// </summary>
    public static string? Resolve(string path)
    {
        var segments = new List<string>();
        foreach (var segment in path.Replace('\\', '/').Split('/'))
        {
            if (segment.Length == 0 || segment == ".") continue;
            if (segment == "..")
            {
                if (segments.Count == 0) return null;
                segments.RemoveAt(segments.Count - 1);
                continue;
            }
            segments.Add(segment);
        }
        return string.Join('/', segments);
    }

    /// <summary>
    /// Validates a path a manifest names (script, requirements file): relative, no <c>..</c> at all,
    /// naming a file. Returns the normalised form (<c>./src\main.py</c> becomes <c>src/main.py</c>).
    /// </summary>
    public static bool TryNormaliseManifestPath(string path, out string normalised, out string? error)
    {
        normalised = "";
        var trimmed = path.Trim();
        if (trimmed.Length == 0)
        {
            error = "must not be empty";
            return false;
        }
        if (IsAbsolute(trimmed))
        {
            error = $"'{trimmed}' must be relative to the package root, not absolute";
            return false;
        }
        var segments = trimmed.Replace('\\', '/').Split('/');
        if (segments.Contains(".."))
        {
            error = $"'{trimmed}' must not contain '..'";
            return false;
        }
        if (trimmed.EndsWith('/') || trimmed.EndsWith('\\'))
        {
            error = $"'{trimmed}' must name a file, not a folder";
            return false;
        }
        if (trimmed.Any(char.IsControl))
        {
            error = $"'{trimmed}' contains control characters";
            return false;
        }
        normalised = Resolve(trimmed) ?? "";
        if (normalised.Length == 0)
        {
            error = $"'{trimmed}' must name a file";
            return false;
        }
        error = null;
        return true;
    }
}
