using Baton.Storage.Model;

namespace Baton.Storage.Relational;

/// <summary>
/// The column lists of <c>schedules</c>. Dapper reads a row straight into a <see cref="ScheduleRecord"/> (the policies and
/// the catch-up window through the record's stored forms); <see cref="Of"/> is what a write binds.
/// </summary>
internal static class ScheduleRow
{
    /// <summary>The definition and operator-controlled state: what an insert writes, and what an update rewrites.</summary>
    private static readonly string[] Written =
    [
        "tenant_id", "id", "name", "cron", "time_zone", "package_name", "package_version", "inputs", "queue", "priority",
        "calendar_name", "calendar_mode AS StoredCalendarMode", "concurrency_policy AS StoredConcurrency",
        "misfire_policy AS StoredMisfire", "catch_up_window_ms AS StoredCatchUpWindowMs", "paused", "pause_reason",
        "consecutive_failures", "auto_pause_after", "next_fire_at", "queued_fire_at", "created_at", "updated_at",
    ];

    /// <summary>The run state, which only the scheduler's compare-and-set writes.</summary>
    private static readonly string[] RunState = ["last_fire_at", "last_job_id", "last_job_counted"];

    public static readonly string Insert = $"INSERT INTO schedules ({Columns.Names(Written)}) VALUES ({Columns.Values(Written)});";

    /// <summary>The <c>SET</c> list of an update: the written columns but the keys and the creation time.</summary>
    public static readonly string UpdateSet = Columns.Set(Written.Where(column => column is not ("tenant_id" or "id" or "created_at")));

    public static readonly string Select = Columns.Select(Written.Concat(RunState));

    /// <summary>The parameters of a write of <paramref name="s"/>, named as <see cref="Insert"/> and <see cref="UpdateSet"/> name them.</summary>
    public static object Of(ScheduleRecord s) => new
    {
        s.TenantId, s.Id, s.Name, s.Cron, s.TimeZone, s.PackageName, s.PackageVersion, s.Inputs, s.Queue, s.Priority, s.CalendarName,
        s.StoredCalendarMode, s.StoredConcurrency, s.StoredMisfire, s.StoredCatchUpWindowMs, s.Paused, s.PauseReason,
        s.ConsecutiveFailures, s.AutoPauseAfter, s.NextFireAt, s.QueuedFireAt, s.CreatedAt, s.UpdatedAt,
    };
}
