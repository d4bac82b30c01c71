using Baton.Core.Scheduling;
using Baton.Storage.Model;
using Baton.Storage.Serialization;

namespace Baton.Storage.Sqlite;

/// <summary>A <c>schedules</c> row as SQLite returns it (times in unix ms, flags as integers).</summary>
internal sealed class SqliteScheduleRow
{
    public const string Columns =
        "tenant_id AS TenantId, id AS Id, name AS Name, cron AS Cron, time_zone AS TimeZone, package_name AS PackageName, " +
        "package_version AS PackageVersion, inputs AS Inputs, queue AS Queue, priority AS Priority, calendar_name AS CalendarName, " +
        "calendar_mode AS CalendarMode, concurrency_policy AS Concurrency, misfire_policy AS Misfire, catch_up_window_ms AS CatchUpWindowMs, " +
        "paused AS Paused, pause_reason AS PauseReason, consecutive_failures AS ConsecutiveFailures, auto_pause_after AS AutoPauseAfter, " +
        "next_fire_at AS NextFireAt, last_fire_at AS LastFireAt, last_job_id AS LastJobId, last_job_counted AS LastJobCounted, " +
        "queued_fire_at AS QueuedFireAt, created_at AS CreatedAt, updated_at AS UpdatedAt";

    public string TenantId { get; set; } = "";
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string Cron { get; set; } = "";
    public string TimeZone { get; set; } = "";
    public string PackageName { get; set; } = "";
    public string? PackageVersion { get; set; }
    public string Inputs { get; set; } = "{}";
    public string Queue { get; set; } = "";
    public long Priority { get; set; }
    public string? CalendarName { get; set; }
    public string CalendarMode { get; set; } = "";
    public string Concurrency { get; set; } = "";
    public string Misfire { get; set; } = "";
    public long CatchUpWindowMs { get; set; }
    public long Paused { get; set; }
    public string? PauseReason { get; set; }
    public long ConsecutiveFailures { get; set; }
    public long AutoPauseAfter { get; set; }
    public long? NextFireAt { get; set; }
    public long? LastFireAt { get; set; }
    public string? LastJobId { get; set; }
    public long LastJobCounted { get; set; }
    public long? QueuedFireAt { get; set; }
    public long CreatedAt { get; set; }
    public long UpdatedAt { get; set; }

    public ScheduleRecord ToRecord() => new()
    {
        TenantId = TenantId,
        Id = Id,
        Name = Name,
        Cron = Cron,
        TimeZone = TimeZone,
        PackageName = PackageName,
        PackageVersion = PackageVersion,
        Inputs = StoredJson.ParseElement(Inputs),
        Queue = Queue,
        Priority = checked((int)Priority),
        CalendarName = CalendarName,
        CalendarMode = CalendarModes.Parse(CalendarMode),
        Concurrency = ScheduleText.ParseConcurrency(Concurrency),
        Misfire = ScheduleText.ParseMisfire(Misfire),
        CatchUpWindow = TimeSpan.FromMilliseconds(CatchUpWindowMs),
        Paused = Paused != 0,
        PauseReason = PauseReason,
        ConsecutiveFailures = checked((int)ConsecutiveFailures),
        AutoPauseAfter = checked((int)AutoPauseAfter),
        NextFireAt = StoredTime.FromMs(NextFireAt),
        LastFireAt = StoredTime.FromMs(LastFireAt),
        LastJobId = LastJobId,
        LastJobCounted = LastJobCounted != 0,
        QueuedFireAt = StoredTime.FromMs(QueuedFireAt),
        CreatedAt = StoredTime.FromMs(CreatedAt),
        UpdatedAt = StoredTime.FromMs(UpdatedAt),
    };

    /// <summary>The parameters of an insert or update: every stored column of <paramref name="s"/>.</summary>
    public static object Parameters(ScheduleRecord s) => new
    {
        s.TenantId,
        s.Id,
        s.Name,
        s.Cron,
        s.TimeZone,
        s.PackageName,
        s.PackageVersion,
        Inputs = StoredJson.ToText(s.Inputs),
        s.Queue,
        s.Priority,
        s.CalendarName,
        CalendarMode = s.CalendarMode.ToText(),
        Concurrency = s.Concurrency.ToText(),
        Misfire = s.Misfire.ToText(),
        CatchUpWindowMs = (long)s.CatchUpWindow.TotalMilliseconds,
        Paused = s.Paused ? 1 : 0,
        s.PauseReason,
        s.ConsecutiveFailures,
        s.AutoPauseAfter,
        NextFireAt = StoredTime.ToMs(s.NextFireAt),
        QueuedFireAt = StoredTime.ToMs(s.QueuedFireAt),
        CreatedAt = StoredTime.ToMs(s.CreatedAt),
        UpdatedAt = StoredTime.ToMs(s.UpdatedAt),
    };
}
