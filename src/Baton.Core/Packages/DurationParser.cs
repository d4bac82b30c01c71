using System.Globalization;
using System.Text.RegularExpressions;

namespace Baton.Core.Packages;

/// <summary>
/// Reads durations written by people: whole seconds (<c>90</c>) or units in descending order
/// (<c>30s</c>, <c>5m</c>, <c>2h</c>, <c>1h30m</c>, <c>1d</c>).
/// </summary>
public static partial class DurationParser
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var trimmed = text?.Trim() ?? "";
        if (trimmed.Length is 0 or > 32) return false;
        if (trimmed.All(char.IsAsciiDigit))
        {
            if (!long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > int.MaxValue) return false;
            duration = TimeSpan.FromSeconds(seconds);
            return true;
        }
        var match = UnitsPattern().Match(trimmed);
        if (!match.Success) return false;
        long total = 0;
        (string Group, long Seconds)[] units = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)];
        foreach (var (group, unitSeconds) in units)
        {
            var value = match.Groups[group];
            if (!value.Success) continue;
            total += long.Parse(value.Value, NumberStyles.None, CultureInfo.InvariantCulture) * unitSeconds;
        }
        if (total > int.MaxValue) return false;
        duration = TimeSpan.FromSeconds(total);
        return true;
    }

    // Up to seven digits per unit keeps the arithmetic far from overflow.
    [GeneratedRegex(@"^(?=\d)(?:(?<d>\d{1,7})d)?(?:(?<h>\d{1,7})h)?(?:(?<m>\d{1,7})m)?(?:(?<s>\d{1,7})s)?$", RegexOptions.CultureInvariant)]
    private static partial Regex UnitsPattern();
}
