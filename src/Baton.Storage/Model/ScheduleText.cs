using Baton.Core.Scheduling;

namespace Baton.Storage.Model;

/// <summary>Stored text of the schedule policies, mapped in one place for both backends.</summary>
internal static class ScheduleText
{
    public static ConcurrencyPolicy ParseConcurrency(string text) =>
        ConcurrencyPolicies.TryParse(text, out var policy) ? policy : throw new InvalidDataException($"Unknown concurrency policy '{text}'.");

    public static MisfirePolicy ParseMisfire(string text) =>
        MisfirePolicies.TryParse(text, out var policy) ? policy : throw new InvalidDataException($"Unknown misfire policy '{text}'.");

    public static string WorkingDaysToText(IEnumerable<DayOfWeek> days) => string.Join(',', Weekdays.ToText(days));

    public static IReadOnlyList<DayOfWeek> WorkingDaysFromText(string text) =>
        Weekdays.TryParseAll(text.Split(',', StringSplitOptions.RemoveEmptyEntries), out var days, out var reason)
            ? [.. days.OrderBy(d => ((int)d + 6) % 7)]
            : throw new InvalidDataException(reason);

    public static string HolidaysToJson(IEnumerable<DateOnly> days) =>
        Serialization.StoredJson.Serialize(days.Distinct().Order().Select(d => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)).ToList());

    public static IReadOnlyList<DateOnly> HolidaysFromJson(string json) =>
        [.. Serialization.StoredJson.Deserialize<List<string>>(json).Select(d => DateOnly.ParseExact(d, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))];
}
