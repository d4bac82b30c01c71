using Baton.Core.Scheduling;

namespace Baton.Storage.Model;

/// <summary>A tenant's named business calendar.</summary>
public sealed record CalendarRecord(
    string TenantId,
    string Name,
    IReadOnlyList<DayOfWeek> WorkingDays,
    IReadOnlyList<DateOnly> Holidays,
    string? TimeZone,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public BusinessCalendar ToCalendar() => new(Name, WorkingDays.ToHashSet(), Holidays.ToHashSet(), TimeZone);
}

public enum CalendarWriteResult
{
    Created,
    Replaced,
    NameTaken,
}

public enum CalendarDeleteResult
{
    Deleted,
    NotFound,
    /// <summary>A schedule still names the calendar.</summary>
    InUse,
}
