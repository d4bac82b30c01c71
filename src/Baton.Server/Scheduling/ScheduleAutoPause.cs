using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Scheduling;

/// <summary>
/// The one place a schedule pauses itself (after too many failed runs in a row), and says so: a
/// <c>schedule.auto_paused</c> tenant event (webhooks, the events stream) right after the pause.
/// </summary>
public sealed class ScheduleAutoPause(
    IBatonStore store, Notifications.TenantEventPublisher events, TimeProvider time, ILogger<ScheduleAutoPause> logger)
{
    /// <summary>Pauses the schedule when its consecutive failures reached its threshold; true when it did.</summary>
    public async Task<bool> PauseIfFailingAsync(ScheduleRecord schedule, CancellationToken cancellationToken)
    {
        if (schedule.Paused || schedule.AutoPauseAfter <= 0 || schedule.ConsecutiveFailures < schedule.AutoPauseAfter) return false;
        var reason = $"auto-paused after {schedule.ConsecutiveFailures} failed runs in a row";
        var paused = schedule with { Paused = true, PauseReason = reason, UpdatedAt = time.GetUtcNow() };
        if (await store.Schedules.UpdateAsync(paused, cancellationToken) != ScheduleWriteResult.Ok) return false;
        logger.LogWarning("Schedule {ScheduleName} ({ScheduleId}) of tenant {TenantId} {Reason}; resume it to run again",
            schedule.Name, schedule.Id, schedule.TenantId, reason);
        await events.ScheduleAutoPausedAsync(schedule.TenantId, schedule.Id, schedule.Name, schedule.ConsecutiveFailures, reason, cancellationToken);
        return true;
    }
}
