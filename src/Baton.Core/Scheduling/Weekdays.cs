namespace Baton.Core.Scheduling;

/// <summary>Weekday names on the wire and in storage: <c>mon</c> … <c>sun</c>.</summary>
public static class Weekdays
{
    private static readonly string[] Names = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    public static string ToText(DayOfWeek day) => Names[(int)day];

    public static IReadOnlyList<string> ToText(IEnumerable<DayOfWeek> days) => [.. days.Distinct().OrderBy(d => ((int)d + 6) % 7).Select(ToText)];

    public static bool TryParse(string? text, out DayOfWeek day)
    {
        var value = text?.Trim().ToLowerInvariant() ?? "";
        var index = value.Length >= 3 ? Array.IndexOf(Names, value[..3]) : -1;
        if (index < 0 || (value.Length > 3 && !Enum.GetNames<DayOfWeek>().Any(n => n.Equals(value, StringComparison.OrdinalIgnoreCase))))
        {
            day = default;
            return false;
        }
        day = (DayOfWeek)index;
        return true;
    }

    /// <summary>Parses names like <c>mon</c>, <c>Monday</c>; a reason for the first bad one.</summary>
    public static bool TryParseAll(IEnumerable<string>? texts, out HashSet<DayOfWeek> days, out string? reason)
    {
        days = [];
        reason = null;
        foreach (var text in texts ?? [])
        {
            if (!TryParse(text, out var day))
            {
                reason = $"'{text}' is not a weekday (mon, tue, wed, thu, fri, sat, sun)";
                return false;
            }
            days.Add(day);
        }
        return true;
    }
}
