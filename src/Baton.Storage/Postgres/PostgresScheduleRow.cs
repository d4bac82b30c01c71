using Baton.Core.Scheduling;
using Baton.Storage.Model;
using Baton.Storage.Serialization;

namespace Baton.Storage.Postgres;

/// <summary>A <c>schedules</c> row as PostgreSQL returns it.</summary>
internal sealed class PostgresScheduleRow
{
    public const string Columns =
        "tenant_id AS TenantId, id AS Id, name AS Name, cron AS Cron, time_zone AS TimeZone, package_name AS PackageName, " +
        "package_version AS PackageVersion, inputs::text AS Inputs, queue AS Queue, priority AS Priority, calendar_name AS CalendarName, " +
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
    public int Priority { get; set; }
    public string? CalendarName { get; set; }
    public string CalendarMode { get; set; } = "";
    public string Concurrency { get; set; } = "";
    public string Misfire { get; set; } = "";
    public long CatchUpWindowMs { get; set; }
    public bool Paused { get; set; }
    public string? PauseReason { get; set; }
    public int ConsecutiveFailures { get; set; }
    public int AutoPauseAfter { get; set; }
    public DateTime? NextFireAt { get; set; }
    public DateTime? LastFireAt { get; set; }
    public string? LastJobId { get; set; }
    public bool LastJobCounted { get; set; }
    public DateTime? QueuedFireAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

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
        Priority = Priority,
        CalendarName = CalendarName,
        CalendarMode = CalendarModes.Parse(CalendarMode),
        Concurrency = ScheduleText.ParseConcurrency(Concurrency),
        Misfire = ScheduleText.ParseMisfire(Misfire),
        CatchUpWindow = TimeSpan.FromMilliseconds(CatchUpWindowMs),
        Paused = Paused,
        PauseReason = PauseReason,
        ConsecutiveFailures = ConsecutiveFailures,
        AutoPauseAfter = AutoPauseAfter,
        NextFireAt = PgTime.FromDb(NextFireAt),
        LastFireAt = PgTime.FromDb(LastFireAt),
        LastJobId = LastJobId,
        LastJobCounted = LastJobCounted,
        QueuedFireAt = PgTime.FromDb(QueuedFireAt),
        CreatedAt = PgTime.FromDb(CreatedAt),
        UpdatedAt = PgTime.FromDb(UpdatedAt),
    };

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
        s.Paused,
        s.PauseReason,
        s.ConsecutiveFailures,
        s.AutoPauseAfter,
        NextFireAt = PgTime.ToDb(s.NextFireAt),
        QueuedFireAt = PgTime.ToDb(s.QueuedFireAt),
        CreatedAt = PgTime.ToDb(s.CreatedAt),
        UpdatedAt = PgTime.ToDb(s.UpdatedAt),
    };
}
