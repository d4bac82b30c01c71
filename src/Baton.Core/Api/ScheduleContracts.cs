using System.Text.Json;
using System.Text.Json.Serialization;

namespace Baton.Core.Api;

/// <summary>
/// A schedule. <see cref="Version"/> null runs the latest version at fire time; durations are ISO 8601
/// (<c>PT10M</c>) or short (<c>10m</c>) on input, ISO 8601 on output.
/// </summary>
public sealed record ScheduleDto(
    string Id,
    string Name,
    string Cron,
    string TimeZone,
    string Package,
    string? Version,
    JsonElement Inputs,
    string Queue,
    int Priority,
    string? Calendar,
    string CalendarMode,
    string ConcurrencyPolicy,
    string MisfirePolicy,
    string CatchUpWindow,
    bool Paused,
    string? PauseReason,
    int ConsecutiveFailures,
    int AutoPauseAfter,
    DateTimeOffset? NextFireAt,
    DateTimeOffset? LastFireAt,
    string? LastJobId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

public sealed record CreateScheduleRequest(
    string Name,
    string Cron,
    string Package,
    string? TimeZone = null,
    string? Version = null,
    Dictionary<string, JsonElement>? Inputs = null,
    string? Queue = null,
    int? Priority = null,
    string? Calendar = null,
    string? CalendarMode = null,
    string? ConcurrencyPolicy = null,
    string? MisfirePolicy = null,
    string? CatchUpWindow = null,
    int? AutoPauseAfter = null,
    bool? Paused = null);

/// <summary>A partial update; null keeps the value. <c>Version = "latest"</c> unpins; <c>Calendar = ""</c> removes the calendar.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record UpdateScheduleRequest(
    string? Name = null,
    string? Cron = null,
    string? Package = null,
    string? TimeZone = null,
    string? Version = null,
    Dictionary<string, JsonElement>? Inputs = null,
    string? Queue = null,
    int? Priority = null,
    string? Calendar = null,
    string? CalendarMode = null,
    string? ConcurrencyPolicy = null,
    string? MisfirePolicy = null,
    string? CatchUpWindow = null,
    int? AutoPauseAfter = null);

/// <summary><c>GET /api/v1/schedules/{id}/next</c>: the schedule's next fires with its calendar applied.</summary>
public sealed record ScheduleFiresDto(string ScheduleId, string Name, string TimeZone, IReadOnlyList<DateTimeOffset> Fires);

/// <summary>One fire due in a window: what will be submitted and where (for the autoscaler and operators).</summary>
public sealed record UpcomingFireDto(
    string TenantId,
    string ScheduleId,
    string ScheduleName,
    DateTimeOffset FireAt,
    string Package,
    string Version,
    string Queue,
    int Priority);

public sealed record UpcomingFiresDto(DateTimeOffset From, DateTimeOffset Until, IReadOnlyList<UpcomingFireDto> Fires);

/// <summary>A business calendar. Weekdays are <c>mon</c> … <c>sun</c>; holidays are dates (<c>2025-12-25</c>).</summary>
public sealed record CalendarDto(
    string Name,
    IReadOnlyList<string> WorkingDays,
    IReadOnlyList<DateOnly> Holidays,
    string? TimeZone,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>Body of <c>POST /calendars</c> (name required) and <c>PUT /calendars/{name}</c>; working days default to mon–fri.</summary>
public sealed record CalendarRequest(
    string? Name = null,
    IReadOnlyList<string>? WorkingDays = null,
    IReadOnlyList<DateOnly>? Holidays = null,
    string? TimeZone = null);
