using System.Globalization;

namespace Baton.Cli.Output;

/// <summary>Short human forms of times, durations and sizes for tables.</summary>
public static class Humanize
{
    /// <summary>
    /// Wall-clock time in <paramref name="zone"/> (the reader's) to the second, with the zone it is in, or "-" when
    /// absent: "2026-12-06 09:30:00 +01:00", or "2026-12-06 08:30:00 UTC" on a machine that keeps UTC.
    /// </summary>
    public static string Timestamp(DateTimeOffset? at, TimeZoneInfo zone) =>
        at is { } value ? WithZone(TimeZoneInfo.ConvertTime(value, zone), zone == TimeZoneInfo.Utc || zone.Id is "UTC" or "Etc/UTC") : "-";

    /// <summary>
    /// A time in a schedule's own zone and in UTC: "2026-12-07 09:00:00 Europe/Berlin (08:00:00 UTC)"; the UTC part
    /// has its date too when the date differs. A zone this machine does not know is shown in UTC alone.
    /// </summary>
    public static string InZone(DateTimeOffset? at, string? zoneId)
    {
        if (at is not { } value) return "-";
        var utc = value.ToUniversalTime();
        if (string.IsNullOrEmpty(zoneId) || zoneId is "UTC" or "Etc/UTC" || !TimeZoneInfo.TryFindSystemTimeZoneById(zoneId, out var zone))
            return WithZone(utc, utc: true);
        var local = TimeZoneInfo.ConvertTime(value, zone);
        var utcText = utc.ToString(local.Date == utc.Date ? "HH:mm:ss" : "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        return $"{local.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} {zoneId} ({utcText} UTC)";
    }

    private static string WithZone(DateTimeOffset at, bool utc) =>
        at.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + (utc ? " UTC" : at.ToString(" zzz", CultureInfo.InvariantCulture));

    /// <summary>
    /// A message on one table line: a multi-line text (a Python traceback) becomes its first line and its last
    /// (where a traceback names the error), cut to <paramref name="max"/> characters. The full text is in --json.
    /// </summary>
    public static string? OneLine(string? text, int max = 160)
    {
        if (string.IsNullOrWhiteSpace(text)) return text;
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = lines.Length <= 1 ? text.Trim() : $"{lines[0]} … {lines[^1]}";
        return line.Length <= max ? line : line[..(max - 1)] + "…";
    }

    /// <summary>"12s ago", "5m ago", "3h ago", "2d ago"; a future time reads "in 5m".</summary>
    public static string Ago(DateTimeOffset? at, DateTimeOffset now)
    {
        if (at is not { } value) return "-";
        var delta = now - value;
        return delta < TimeSpan.Zero ? "in " + Coarse(-delta) : Coarse(delta) + " ago";
    }

    /// <summary>"850ms", "12.3s", "4m 05s", "2h 03m", "3d 04h".</summary>
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero) span = TimeSpan.Zero;
        if (span.TotalSeconds < 1) return $"{span.TotalMilliseconds:0}ms";
        if (span.TotalSeconds < 60) return span.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s";
        if (span.TotalMinutes < 60) return $"{(int)span.TotalMinutes}m {span.Seconds:00}s";
        if (span.TotalHours < 24) return $"{(int)span.TotalHours}h {span.Minutes:00}m";
        return $"{(int)span.TotalDays}d {span.Hours:00}h";
    }

    /// <summary>The run time of something that started and maybe finished; "-" when it never started.</summary>
    public static string Elapsed(DateTimeOffset? started, DateTimeOffset? finished, DateTimeOffset now) =>
        started is { } start ? Duration((finished ?? now) - start) : "-";

    /// <summary>"512 B", "1.5 KB", "20.0 MB", "3.25 GB".</summary>
    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB"];
        double value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        var format = unit == 0 ? "0" : value < 10 ? "0.00" : "0.0";
        return value.ToString(format, CultureInfo.InvariantCulture) + " " + units[unit];
    }

    private static string Coarse(TimeSpan span)
    {
        if (span.TotalSeconds < 60) return $"{(int)span.TotalSeconds}s";
        if (span.TotalMinutes < 60) return $"{(int)span.TotalMinutes}m";
        if (span.TotalHours < 48) return $"{(int)span.TotalHours}h";
        return $"{(int)span.TotalDays}d";
    }
}
