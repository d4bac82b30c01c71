using Cronos;

namespace Baton.Core.Scheduling;

/// <summary>
/// A cron expression of 5 fields (minute precision) or 6 (seconds first) evaluated in an IANA time
/// zone. Cronos does the daylight-saving arithmetic: a time skipped by spring-forward fires once at
/// the first valid instant after the gap, an hour repeated by fall-back fires once (its first
/// occurrence) unless the expression names every hour or minute, which then fire in both.
/// </summary>
public sealed class CronSchedule
{
    private readonly CronExpression _expression;

    private CronSchedule(string expression, CronExpression parsed, TimeZoneInfo zone)
    {
        Expression = expression;
        _expression = parsed;
        Zone = zone;
    }

    public string Expression { get; }
    public TimeZoneInfo Zone { get; }
    public bool HasSeconds => Expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6;

    /// <summary>Parses the expression and the zone; on failure <paramref name="reason"/> says what is wrong.</summary>
    public static bool TryParse(string? expression, string? timeZone, out CronSchedule? schedule, out string? reason)
    {
        schedule = null;
        if (string.IsNullOrWhiteSpace(expression))
        {
            reason = "cron is required (5 fields, or 6 with seconds first)";
            return false;
        }
        var text = string.Join(' ', expression.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var fields = text.Split(' ').Length;
        if (fields is not (5 or 6))
        {
            reason = $"cron '{expression}' has {fields} field(s); it needs 5 (minute hour day month weekday) or 6 (second first)";
            return false;
        }
        if (!TimeZones.TryFind(timeZone, out var zone, out reason)) return false;
        try
        {
            var parsed = CronExpression.Parse(text, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            schedule = new CronSchedule(text, parsed, zone!);
            reason = null;
            return true;
        }
        catch (CronFormatException ex)
        {
            reason = $"cron '{expression}' is not valid: {ex.Message}";
            return false;
        }
    }

    public static CronSchedule Parse(string expression, string timeZone) =>
        TryParse(expression, timeZone, out var schedule, out var reason) ? schedule! : throw new FormatException(reason);

    /// <summary>The first occurrence strictly after <paramref name="after"/>, or null when there is none.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after) =>
        _expression.GetNextOccurrence(after.UtcDateTime, Zone, inclusive: false) is { } next ? new DateTimeOffset(next, TimeSpan.Zero) : null;
}
