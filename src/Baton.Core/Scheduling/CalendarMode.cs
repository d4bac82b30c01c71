namespace Baton.Core.Scheduling;

/// <summary>How a schedule treats fires that fall on a non-working day of its business calendar.</summary>
public enum CalendarMode
{
    /// <summary>The calendar is ignored.</summary>
    None,
    /// <summary>Fires on non-working days are dropped.</summary>
    BusinessDaysOnly,
    /// <summary>A fire on a non-working day moves to the same local time on the next working day.</summary>
    NextBusinessDay,
    /// <summary>A fire on a non-working day moves to the same local time on the previous working day.</summary>
    PreviousBusinessDay,
}

public static class CalendarModes
{
    public const string Allowed = "none, business-days-only, next-business-day, previous-business-day";

    public static string ToText(this CalendarMode mode) => mode switch
    {
        CalendarMode.None => "none",
        CalendarMode.BusinessDaysOnly => "business-days-only",
        CalendarMode.NextBusinessDay => "next-business-day",
        CalendarMode.PreviousBusinessDay => "previous-business-day",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    public static bool TryParse(string? text, out CalendarMode mode)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "" or "none": mode = CalendarMode.None; return true;
            case "business-days-only" or "only": mode = CalendarMode.BusinessDaysOnly; return true;
            case "next-business-day" or "next": mode = CalendarMode.NextBusinessDay; return true;
            case "previous-business-day" or "previous": mode = CalendarMode.PreviousBusinessDay; return true;
            default: mode = default; return false;
        }
    }

    public static CalendarMode Parse(string text) =>
        TryParse(text, out var mode) ? mode : throw new FormatException($"Unknown calendar mode '{text}'.");
}
