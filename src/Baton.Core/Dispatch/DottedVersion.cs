using System.Globalization;

namespace Baton.Core.Dispatch;

/// <summary>
/// A purely numeric dotted version such as <c>3</c>, <c>3.11</c> or <c>3.11.7</c>. Comparison is
/// numeric per component, missing components counting as zero (3.11 equals 3.11.0).
/// </summary>
internal sealed class DottedVersion : IComparable<DottedVersion>
{
    private const int MaxComponents = 8;

    private DottedVersion(long[] components) => Components = components;

    public IReadOnlyList<long> Components { get; }

    public static bool TryParse(string? text, out DottedVersion? version)
    {
        version = null;
        if (string.IsNullOrEmpty(text)) return false;
        var parts = text.Split('.');
        if (parts.Length > MaxComponents) return false;
        var components = new long[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part.Length == 0 || part.Length > 9 || !part.All(char.IsAsciiDigit)) return false;
            components[i] = long.Parse(part, NumberStyles.None, CultureInfo.InvariantCulture);
        }
        version = new DottedVersion(components);
        return true;
    }

    public int CompareTo(DottedVersion? other)
    {
        if (other is null) return 1;
        var length = Math.Max(Components.Count, other.Components.Count);
        for (var i = 0; i < length; i++)
        {
            var mine = i < Components.Count ? Components[i] : 0;
            var theirs = i < other.Components.Count ? other.Components[i] : 0;
            if (mine != theirs) return mine.CompareTo(theirs);
        }
        return 0;
    }

    /// <summary>Whether this version starts with <paramref name="prefix"/>: 3.11.7 and 3.11 both match prefix 3.11.</summary>
    public bool MatchesPrefix(DottedVersion prefix)
    {
        for (var i = 0; i < prefix.Components.Count; i++)
        {
            var mine = i < Components.Count ? Components[i] : 0;
            if (mine != prefix.Components[i]) return false;
        }
        return true;
    }

    public override string ToString() => string.Join('.', Components);
}
