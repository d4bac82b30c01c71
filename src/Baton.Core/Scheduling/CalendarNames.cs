using System.Text.RegularExpressions;

namespace Baton.Core.Scheduling;

/// <summary>Names of schedules and calendars: what a URL segment and a CLI argument carry without quoting.</summary>
public static partial class CalendarNames
{
    public const string Rule = "1 to 63 lower-case letters, digits, '-', '_' or '.', starting with a letter or digit";

    public static bool IsValid(string? name) => name is not null && NamePattern().IsMatch(name);

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,62}$")]
    private static partial Regex NamePattern();
}
