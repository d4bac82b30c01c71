using System.Globalization;

namespace Baton.Core.Scheduling;

/// <summary>What an iCalendar import yields: the holiday dates and the calendar's own name, if it has one.</summary>
public sealed record IcsImport(IReadOnlySet<DateOnly> Holidays, string? CalendarName, int Events);

/// <summary>
/// Reads holiday dates from an iCalendar (RFC 5545) text: every VEVENT's DTSTART (an all-day
/// <c>VALUE=DATE</c> or a date-time, whose date in its own zone counts), all days up to an all-day
/// DTEND, and <c>RRULE:FREQ=YEARLY</c> (with COUNT or UNTIL) expanded up to <c>untilYear</c>; a yearly
/// Feb 29 recurs in leap years only, as RFC 5545 says. Other recurrence frequencies are refused, and so is
/// a file with no events or cut short (no END:VEVENT or END:VCALENDAR).
/// </summary>
public static class IcsHolidayReader
{
    public static bool TryRead(string text, int untilYear, out IcsImport? import, out string? reason)
    {
        import = null;
        reason = null;
        var holidays = new HashSet<DateOnly>();
        string? name = null;
        var events = 0;
        var lines = Unfold(text);
        if (!lines.Any(l => l.Equals("BEGIN:VCALENDAR", StringComparison.OrdinalIgnoreCase)))
        {
            reason = "the body is not an iCalendar file (no BEGIN:VCALENDAR)";
            return false;
        }
        Dictionary<string, (string Params, string Value)>? current = null;
        foreach (var line in lines)
        {
            var (key, parameters, value) = Split(line);
            if (key == "BEGIN" && value.Equals("VEVENT", StringComparison.OrdinalIgnoreCase)) current = [];
            else if (key == "END" && value.Equals("VEVENT", StringComparison.OrdinalIgnoreCase) && current is not null)
            {
                events++;
                if (!AddEvent(current, untilYear, holidays, out reason))
                {
                    reason = $"event {events}: {reason}";
                    return false;
                }
                current = null;
            }
            else if (current is not null) current.TryAdd(key, (parameters, value));
            else if (key == "X-WR-CALNAME") name = value.Trim();
        }
        // A file without events would become an empty calendar, silently: almost always a wrong or truncated export.
        if (current is not null)
        {
            reason = $"event {events + 1} has no END:VEVENT (the file is truncated)";
            return false;
        }
        if (!lines.Any(l => l.Equals("END:VCALENDAR", StringComparison.OrdinalIgnoreCase)))
        {
            reason = "the calendar has no END:VCALENDAR (the file is truncated)";
            return false;
        }
        if (events == 0)
        {
            reason = "the calendar holds no events (VEVENT), so it would import no holidays";
            return false;
        }
        import = new IcsImport(holidays, name, events);
        return true;
    }

    private static bool AddEvent(Dictionary<string, (string Params, string Value)> properties, int untilYear, HashSet<DateOnly> holidays, out string? reason)
    {
        reason = null;
        if (!properties.TryGetValue("DTSTART", out var start) || !TryDate(start.Value, out var first))
        {
            reason = "DTSTART is missing or not a date";
            return false;
        }
        var days = 1;
        if (properties.TryGetValue("DTEND", out var end) && IsDateOnly(end.Params, end.Value) && TryDate(end.Value, out var last))
        {
            days = Math.Clamp(last.DayNumber - first.DayNumber, 1, 366);
        }
        var starts = new List<DateOnly> { first };
        if (properties.TryGetValue("RRULE", out var rule) && !TryExpandYearly(rule.Value, first, untilYear, starts, out reason)) return false;
        foreach (var day in starts)
        {
            for (var i = 0; i < days; i++) holidays.Add(day.AddDays(i));
        }
        return true;
    }

    private static bool TryExpandYearly(string rule, DateOnly first, int untilYear, List<DateOnly> starts, out string? reason)
    {
        reason = null;
        var parts = rule.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim().ToUpperInvariant(), p => p[1].Trim(), StringComparer.Ordinal);
        if (!parts.TryGetValue("FREQ", out var freq) || !freq.Equals("YEARLY", StringComparison.OrdinalIgnoreCase))
        {
            reason = $"RRULE '{rule}' is not supported: only FREQ=YEARLY recurs";
            return false;
        }
        var interval = parts.TryGetValue("INTERVAL", out var i) && int.TryParse(i, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 1;
        var count = parts.TryGetValue("COUNT", out var c) && int.TryParse(c, CultureInfo.InvariantCulture, out var m) && m > 0 ? m : int.MaxValue;
        var until = parts.TryGetValue("UNTIL", out var u) && TryDate(u, out var untilDate) ? untilDate : DateOnly.MaxValue;
        var produced = 1;
        for (var year = first.Year + interval; year <= untilYear && produced < count; year += interval)
        {
            // RFC 5545: a recurrence on a date that does not exist in a year (Feb 29) is skipped, not moved.
            if (first.Day > DateTime.DaysInMonth(year, first.Month)) continue;
            var date = new DateOnly(year, first.Month, first.Day);
            if (date > until) break;
            starts.Add(date);
            produced++;
        }
        return true;
    }

    private static bool IsDateOnly(string parameters, string value) =>
        parameters.Contains("VALUE=DATE", StringComparison.OrdinalIgnoreCase) && !parameters.Contains("VALUE=DATE-TIME", StringComparison.OrdinalIgnoreCase)
        || value.Trim().Length == 8;

    private static bool TryDate(string value, out DateOnly date)
    {
        var text = value.Trim();
        if (text.Length == 8) return DateOnly.TryParseExact(text, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
        date = default;
        // A date-time counts on the date it names: its UTC date for a 'Z' time, its wall-clock date for a TZID or floating one.
        if (!DateTime.TryParseExact(text.TrimEnd('Z'), "yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)) return false;
        date = DateOnly.FromDateTime(local);
        return true;
    }

    private static (string Key, string Parameters, string Value) Split(string line)
    {
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0) return (line.Trim().ToUpperInvariant(), "", "");
        var head = line[..colon];
        var semicolon = head.IndexOf(';', StringComparison.Ordinal);
        var key = (semicolon < 0 ? head : head[..semicolon]).Trim().ToUpperInvariant();
        return (key, semicolon < 0 ? "" : head[(semicolon + 1)..], line[(colon + 1)..]);
    }

    /// <summary>RFC 5545 line unfolding: a line starting with a space or tab continues the previous one.</summary>
    private static List<string> Unfold(string text)
    {
        var lines = new List<string>();
        foreach (var raw in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (raw.Length > 0 && (raw[0] == ' ' || raw[0] == '\t') && lines.Count > 0) lines[^1] += raw[1..];
            else if (raw.Length > 0) lines.Add(raw);
        }
        return lines;
    }
}
