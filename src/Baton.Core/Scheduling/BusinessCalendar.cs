namespace Baton.Core.Scheduling;

/// <summary>
/// A tenant's named business calendar: working weekdays, holiday dates and an optional own time
/// zone (null: days are judged in the schedule's zone).
/// </summary>
public sealed record BusinessCalendar(string Name, IReadOnlySet<DayOfWeek> WorkingDays, IReadOnlySet<DateOnly> Holidays, string? TimeZone = null)
{
    /// <summary>How far a fire may be shifted looking for a working day before it is dropped.</summary>
    public const int MaxShiftDays = 366;

    public static IReadOnlySet<DayOfWeek> MondayToFriday { get; } = new HashSet<DayOfWeek>
    {
        DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday,
    };

    public bool IsBusinessDay(DateOnly date) => WorkingDays.Contains(date.DayOfWeek) && !Holidays.Contains(date);

    /// <summary>The longest run of consecutive non-working days, capped at <see cref="MaxShiftDays"/>.</summary>
    public int LongestNonBusinessRun()
    {
        if (WorkingDays.Count == 0) return MaxShiftDays;
        // 2001-01-01 is a Monday: two weeks cover every weekday run; the holiday span covers the rest.
        var from = new DateOnly(2001, 1, 1);
        var to = from.AddDays(14);
        var longest = LongestRun(from, to);
        if (Holidays.Count > 0) longest = Math.Max(longest, LongestRun(Holidays.Min().AddDays(-8), Holidays.Max().AddDays(8)));
        return Math.Min(longest, MaxShiftDays);
    }

    private int LongestRun(DateOnly from, DateOnly to)
    {
        int longest = 0, run = 0;
        for (var day = from; day <= to; day = day.AddDays(1))
        {
            run = IsBusinessDay(day) ? 0 : run + 1;
            longest = Math.Max(longest, run);
        }
        return longest;
    }

    /// <summary>A reason when the definition is unusable, else null.</summary>
    public string? Validate()
    {
        if (!CalendarNames.IsValid(Name)) return $"name '{Name}' is not valid: {CalendarNames.Rule}";
        if (WorkingDays.Count == 0) return "workingDays must name at least one weekday";
        if (TimeZone is not null && !TimeZones.TryFind(TimeZone, out _, out var reason)) return reason;
        return null;
    }
}
