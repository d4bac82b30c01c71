using Baton.Core.Scheduling;
using Baton.Storage.Model;
using Baton.Storage.Serialization;

namespace Baton.Storage.Relational;

/// <summary>A row of <c>schedules</c>, as both backends read and write it; the column lists of its statements sit next to it.</summary>
internal sealed class ScheduleRow
{
    /// <summary>The definition and operator-controlled state: what an insert writes, and what an update rewrites.</summary>
    private static readonly string[] Written =
    [
        "tenant_id", "id", "name", "cron", "time_zone", "package_name", "package_version", "inputs", "queue", "priority",
        "calendar_name", "calendar_mode", "concurrency_policy", "misfire_policy", "catch_up_window_ms", "paused", "pause_reason",
        "consecutive_failures", "auto_pause_after", "next_fire_at", "queued_fire_at", "created_at", "updated_at",
    ];

    /// <summary>The run state, which only the scheduler's compare-and-set writes.</summary>
    private static readonly string[] RunState = ["last_fire_at", "last_job_id", "last_job_counted"];

    public static readonly string Columns = Relational.Columns.Names(Written);

    public static readonly string Values = Relational.Columns.Values(Written);

    /// <summary>The <c>SET</c> list of an update: the written columns but the keys and the creation time.</summary>
    public static readonly string UpdateSet = Relational.Columns.Set(Written.Where(column => column is not ("tenant_id" or "id" or "created_at")));

    public static readonly string Select = Relational.Columns.Select(Written.Concat(RunState));

    public string TenantId { get; set; } = "";
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string Cron { get; set; } = "";
    public string TimeZone { get; set; } = "";
    public string PackageName { get; set; } = "";
    public string? PackageVersion { get; set; }
    public JsonText Inputs { get; set; }
    public string Queue { get; set; } = "";
    public int Priority { get; set; }
    public string? CalendarName { get; set; }
    public string CalendarMode { get; set; } = "";
    public string ConcurrencyPolicy { get; set; } = "";
    public string MisfirePolicy { get; set; } = "";
    public long CatchUpWindowMs { get; set; }
    public bool Paused { get; set; }
    public string? PauseReason { get; set; }
    public int ConsecutiveFailures { get; set; }
    public int AutoPauseAfter { get; set; }
    public DateTimeOffset? NextFireAt { get; set; }
    public DateTimeOffset? LastFireAt { get; set; }
    public string? LastJobId { get; set; }
    public bool LastJobCounted { get; set; }
    public DateTimeOffset? QueuedFireAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public static ScheduleRow Of(ScheduleRecord s) => new()
    {
        TenantId = s.TenantId,
        Id = s.Id,
        Name = s.Name,
        Cron = s.Cron,
        TimeZone = s.TimeZone,
        PackageName = s.PackageName,
        PackageVersion = s.PackageVersion,
        Inputs = new JsonText(StoredJson.ToText(s.Inputs)),
        Queue = s.Queue,
        Priority = s.Priority,
        CalendarName = s.CalendarName,
        CalendarMode = s.CalendarMode.ToText(),
        ConcurrencyPolicy = s.Concurrency.ToText(),
        MisfirePolicy = s.Misfire.ToText(),
        CatchUpWindowMs = (long)s.CatchUpWindow.TotalMilliseconds,
        Paused = s.Paused,
        PauseReason = s.PauseReason,
        ConsecutiveFailures = s.ConsecutiveFailures,
        AutoPauseAfter = s.AutoPauseAfter,
        NextFireAt = s.NextFireAt,
        LastFireAt = s.LastFireAt,
        LastJobId = s.LastJobId,
        LastJobCounted = s.LastJobCounted,
        QueuedFireAt = s.QueuedFireAt,
        CreatedAt = s.CreatedAt,
        UpdatedAt = s.UpdatedAt,
    };

    public ScheduleRecord ToRecord() => new()
    {
        TenantId = TenantId,
        Id = Id,
        Name = Name,
        Cron = Cron,
        TimeZone = TimeZone,
        PackageName = PackageName,
        PackageVersion = PackageVersion,
        Inputs = StoredJson.ParseElement(Inputs.Text),
        Queue = Queue,
        Priority = Priority,
        CalendarName = CalendarName,
        CalendarMode = CalendarModes.Parse(CalendarMode),
        Concurrency = ScheduleText.ParseConcurrency(ConcurrencyPolicy),
        Misfire = ScheduleText.ParseMisfire(MisfirePolicy),
        CatchUpWindow = TimeSpan.FromMilliseconds(CatchUpWindowMs),
        Paused = Paused,
        PauseReason = PauseReason,
        ConsecutiveFailures = ConsecutiveFailures,
        AutoPauseAfter = AutoPauseAfter,
        NextFireAt = NextFireAt,
        LastFireAt = LastFireAt,
        LastJobId = LastJobId,
        LastJobCounted = LastJobCounted,
        QueuedFireAt = QueuedFireAt,
        CreatedAt = CreatedAt,
        UpdatedAt = UpdatedAt,
    };
}
