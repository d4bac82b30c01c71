namespace Baton.Core.Jobs;

/// <summary>
/// What an artifact may be called: a relative path of '/'-separated segments (as the file's path under
/// <c>$BATON_ARTIFACTS</c>), so names round-trip to files on any agent and in any download folder.
/// </summary>
public static class ArtifactNames
{
    public const int MaxLength = 255;
    public const int MaxSegmentLength = 100;

    /// <summary>Null when <paramref name="name"/> is a valid artifact name; else the reason it is not.</summary>
    public static string? Check(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "an artifact name is required";
        if (name.Length > MaxLength) return $"an artifact name has at most {MaxLength} characters";
        if (name.Any(c => char.IsControl(c) || c is '\\' or ':' or '*' or '?' or '"' or '<' or '>' or '|'))
            return "an artifact name may not hold control characters or any of \\ : * ? \" < > |";
        foreach (var segment in name.Split('/'))
        {
            if (segment.Length == 0) return "an artifact name is a relative path: no leading, trailing or doubled '/'";
            if (segment is "." or "..") return "an artifact name may not hold '.' or '..' segments";
            if (segment.Length > MaxSegmentLength) return $"each part of an artifact name has at most {MaxSegmentLength} characters";
            if (segment.EndsWith(' ') || segment.EndsWith('.')) return "no part of an artifact name may end with a space or a dot";
        }
        return null;
    }

    /// <summary>The file name a download is saved as by default: the name's last segment.</summary>
    public static string FileNameOf(string name) => name[(name.LastIndexOf('/') + 1)..];
}
