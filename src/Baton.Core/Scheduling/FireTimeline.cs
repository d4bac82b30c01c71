namespace Baton.Core.Scheduling;

/// <summary>
/// The fire times of a schedule: its cron occurrences with its business calendar applied. A fire
/// on a non-working day (judged in the calendar's zone, else the schedule's) is dropped or moved to
/// the same wall-clock time on the next or previous working day; fires that land on one instant
/// count once.
/// </summary>
public sealed class FireTimeline
{
    /// <summary>Fires further than this ahead are not looked for.</summary>
    public static readonly TimeSpan Horizon = TimeSpan.FromDays(5 * 366);
    private readonly CronSchedule _cron;
    private readonly BusinessCalendar? _calendar;
    private readonly CalendarMode _mode;
    private readonly TimeZoneInfo _calendarZone;
    private readonly int _maxShiftDays;

    public FireTimeline(CronSchedule cron, BusinessCalendar? calendar = null, CalendarMode mode = CalendarMode.None)
    {
        _cron = cron;
        _calendar = mode == CalendarMode.None ? null : calendar;
        _mode = _calendar is null ? CalendarMode.None : mode;
        _calendarZone = _calendar?.TimeZone is { } zone ? TimeZones.Find(zone) : cron.Zone;
        _maxShiftDays = _calendar?.LongestNonBusinessRun() ?? 0;
    }

    /// <summary>The first fire strictly after <paramref name="after"/>, or null when none comes within <see cref="Horizon"/>.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after)
    {
        if (_mode == CalendarMode.None) return _cron.NextAfter(after);

        // A fire moved forward may come from an occurrence before 'after'; one moved back, from an occurrence after the best so far.
        var shift = TimeSpan.FromDays(_maxShiftDays + 1);
        var lookBack = _mode == CalendarMode.NextBusinessDay ? shift : TimeSpan.Zero;
        var lookAhead = _mode == CalendarMode.PreviousBusinessDay ? shift : TimeSpan.Zero;
        DateTimeOffset? best = null;
        var cursor = after - lookBack;
        var limit = after + Horizon;
        while (_cron.NextAfter(cursor) is { } raw && raw <= limit)
        {
            if (best is { } found && raw - lookAhead > found) break;
            var rawDate = TimeZones.LocalDate(raw, _calendarZone);
            if (_calendar!.IsBusinessDay(rawDate))
            {
                if (raw > after && (best is null || raw < best)) best = raw;
                cursor = raw;
            }
            else if (_mode == CalendarMode.BusinessDaysOnly)
            {
                // Nothing on this day fires: jump to its end.
                cursor = TimeZones.ToInstant(rawDate.AddDays(1).ToDateTime(TimeOnly.MinValue), _calendarZone).AddTicks(-1);
                if (cursor < raw) cursor = raw;
            }
            else
            {
                if (Shift(raw) is { } moved && moved > after && (best is null || moved < best)) best = moved;
                cursor = raw;
            }
        }
        return best;
    }

    /// <summary>The next <paramref name="count"/> fires after <paramref name="after"/>, in order.</summary>
    public IReadOnlyList<DateTimeOffset> NextFires(DateTimeOffset after, int count)
    {
        var fires = new List<DateTimeOffset>(Math.Max(0, count));
        var cursor = after;
        while (fires.Count < count && NextAfter(cursor) is { } next)
        {
            fires.Add(next);
            cursor = next;
        }
        return fires;
    }

    /// <summary>Fires in (<paramref name="after"/>, <paramref name="until"/>], at most <paramref name="max"/>, in order.</summary>
    public IReadOnlyList<DateTimeOffset> FiresBetween(DateTimeOffset after, DateTimeOffset until, int max)
    {
        var fires = new List<DateTimeOffset>();
        var cursor = after;
        while (fires.Count < max && NextAfter(cursor) is { } next && next <= until)
        {
            fires.Add(next);
            cursor = next;
        }
        return fires;
    }

    private DateTimeOffset? Shift(DateTimeOffset raw)
    {
        var step = _mode == CalendarMode.NextBusinessDay ? 1 : -1;
        var wallClock = TimeZoneInfo.ConvertTime(raw, _cron.Zone).DateTime;
        for (var days = 1; days <= BusinessCalendar.MaxShiftDays; days++)
        {
            var candidate = TimeZones.ToInstant(wallClock.AddDays(step * days), _cron.Zone);
            if (_calendar!.IsBusinessDay(TimeZones.LocalDate(candidate, _calendarZone))) return candidate;
        }
        return null;
    }
}
