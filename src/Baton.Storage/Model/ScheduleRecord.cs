using System.Text.Json;
using Baton.Core.Scheduling;

namespace Baton.Storage.Model;

/// <summary>
/// A tenant's schedule: what to run (package, version policy, inputs, queue, priority), when (cron,
/// zone, business calendar and mode), and how (concurrency and misfire policies), plus its run state.
/// </summary>
public sealed record ScheduleRecord
{
    public const int DefaultAutoPauseAfter = 5;

    public required string TenantId { get; init; }
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string Cron { get; init; }
    public required string TimeZone { get; init; }
    public required string PackageName { get; init; }
    /// <summary>A pinned version, or null for the latest version at fire time.</summary>
    public string? PackageVersion { get; init; }
    /// <summary>A JSON object.</summary>
    public required JsonElement Inputs { get; init; }
    public string Queue { get; init; } = QueueRecord.DefaultName;
    public int Priority { get; init; }
    public string? CalendarName { get; init; }
    public CalendarMode CalendarMode { get; init; }
    public ConcurrencyPolicy Concurrency { get; init; }
    public MisfirePolicy Misfire { get; init; }
    public TimeSpan CatchUpWindow { get; init; }
    public bool Paused { get; init; }
    public string? PauseReason { get; init; }
    public int ConsecutiveFailures { get; init; }
    /// <summary>After this many failed runs in a row the schedule pauses itself; 0 never.</summary>
    public int AutoPauseAfter { get; init; } = DefaultAutoPauseAfter;
    public DateTimeOffset? NextFireAt { get; init; }
    public DateTimeOffset? LastFireAt { get; init; }
    public string? LastJobId { get; init; }
    /// <summary>Whether the outcome of <see cref="LastJobId"/> has been counted in <see cref="ConsecutiveFailures"/>.</summary>
    public bool LastJobCounted { get; init; } = true;
    /// <summary>A fire waiting for the previous run to end (concurrency policy queue-one).</summary>
    public DateTimeOffset? QueuedFireAt { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }

    // The stored forms a schedules row is read and written through (Relational.ScheduleRow): the policies' text, the window in ms.
    internal string StoredCalendarMode { get => CalendarMode.ToText(); init => CalendarMode = CalendarModes.Parse(value); }

    internal string StoredConcurrency { get => Concurrency.ToText(); init => Concurrency = ScheduleText.ParseConcurrency(value); }

    internal string StoredMisfire { get => Misfire.ToText(); init => Misfire = ScheduleText.ParseMisfire(value); }

    internal long StoredCatchUpWindowMs { get => (long)CatchUpWindow.TotalMilliseconds; init => CatchUpWindow = TimeSpan.FromMilliseconds(value); }

    /// <summary>The idempotency key of the job of one fire: two schedulers, or a retry after a crash, submit the same key.</summary>
    public string IdempotencyKeyFor(DateTimeOffset fireTime) => FireKey(Id, fireTime);

    public static string FireKey(string scheduleId, DateTimeOffset fireTime) => $"schedule:{scheduleId}:{fireTime.UtcDateTime:O}";
}

/// <summary>
/// The scheduler's write after firing: a compare-and-set on <see cref="ExpectedNextFireAt"/>, so of two
/// schedulers that fired the same due time only one moves the schedule on.
/// </summary>
public sealed record ScheduleAdvance(
    string TenantId,
    string ScheduleId,
    DateTimeOffset? ExpectedNextFireAt,
    DateTimeOffset? NextFireAt,
    DateTimeOffset? LastFireAt = null,
    string? LastJobId = null,
    DateTimeOffset? QueuedFireAt = null);

/// <summary>A schedule whose last job has ended and whose outcome has not been counted yet.</summary>
public sealed record SettledScheduleRun(string TenantId, string ScheduleId, string JobId, Core.Jobs.JobState JobState);

public enum ScheduleWriteResult
{
    Ok,
    NotFound,
    NameTaken,
    QuotaExceeded,
}
