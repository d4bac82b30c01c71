namespace Baton.Core.Scheduling;

/// <summary>IANA time zone lookup with a reason on failure, and local-time resolution across DST changes.</summary>
public static class TimeZones
{
    public const string Utc = "UTC";

    public static bool TryFind(string? id, out TimeZoneInfo? zone, out string? reason)
    {
        zone = null;
        reason = null;
        var name = string.IsNullOrWhiteSpace(id) ? Utc : id.Trim();
        if (name.Equals(Utc, StringComparison.OrdinalIgnoreCase) || name == "Etc/UTC")
        {
            zone = TimeZoneInfo.Utc;
            return true;
        }
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(name);
            return true;
        }
        catch (TimeZoneNotFoundException)
        {
            reason = $"time zone '{id}' is not a known IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)";
            return false;
        }
        catch (InvalidTimeZoneException)
        {
            reason = $"time zone '{id}' is not valid on this server";
            return false;
        }
    }

    public static TimeZoneInfo Find(string? id) =>
        TryFind(id, out var zone, out var reason) ? zone! : throw new TimeZoneNotFoundException(reason);

    /// <summary>
    /// The instant of a wall-clock time: a time inside a spring-forward gap moves forward by the gap
    /// (02:30 becomes 03:30), an ambiguous fall-back time takes its first (daylight) occurrence.
    /// </summary>
    public static DateTimeOffset ToInstant(DateTime local, TimeZoneInfo zone)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            var before = zone.GetUtcOffset(local.AddHours(-3));
            return new DateTimeOffset(local, before).ToUniversalTime();
        }
        if (zone.IsAmbiguousTime(local))
        {
            var offsets = zone.GetAmbiguousTimeOffsets(local);
            return new DateTimeOffset(local, offsets.Max()).ToUniversalTime();
        }
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }

    public static DateOnly LocalDate(DateTimeOffset instant, TimeZoneInfo zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, zone).DateTime);
}
