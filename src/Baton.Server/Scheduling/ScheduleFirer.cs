using System.Text.Json;
using Baton.Core.Api;
using Baton.Core.Jobs;
using Baton.Core.Scheduling;
using Baton.Server.Dispatch;
using Baton.Server.Jobs;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Scheduling;

/// <summary>
/// Fires one claimed schedule: decides which due fires run (misfire policy) and how each meets the
/// previous run (concurrency policy), submits their jobs through the normal submission path with the
/// fire's idempotency key, and advances the schedule with a compare-and-set. Doing it twice — another
/// replica, or again after a crash between submit and advance — makes no second job.
/// </summary>
public sealed class ScheduleFirer(
    IBatonStore store,
    JobSubmissionService submissions,
    ScheduleTimelines timelines,
    ScheduleAutoPause autoPause,
    WakeUpSignals signals,
    TimeProvider time,
    ILogger<ScheduleFirer> logger)
{
    /// <summary>The most due fires looked at in one go (a long outage of a per-second schedule).</summary>
    private const int MaxDueFires = 1000;

    public async Task FireAsync(ScheduleRecord schedule, TimeSpan misfireTolerance, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var timeline = await timelines.ForAsync(schedule, cancellationToken);
        var state = new FireState(schedule.QueuedFireAt, await IsActiveAsync(schedule.TenantId, schedule.LastJobId, cancellationToken));

        // A fire that waited for the previous run (queue-one) goes first once that run has ended.
        if (state.Queued is { } queued && !state.PreviousActive)
        {
            state.Queued = null;
            await SubmitAsync(schedule, queued, state, cancellationToken);
        }

        var next = schedule.NextFireAt;
        if (schedule.NextFireAt is { } first && first <= now)
        {
            var due = new List<DateTimeOffset> { first };
            due.AddRange(timeline.FiresBetween(first, now, MaxDueFires));
            var decision = MisfirePolicies.Decide(schedule.Misfire, schedule.CatchUpWindow, due, now, misfireTolerance);
            if (decision.Skipped > 0)
            {
                logger.LogInformation("Schedule {ScheduleId}: {Skipped} missed fire(s) dropped by misfire policy {Policy}",
                    schedule.Id, decision.Skipped, schedule.Misfire.ToText());
            }
            foreach (var fire in decision.FireTimes) await FireOneAsync(schedule, fire, state, cancellationToken);
            next = timeline.NextAfter(now);
        }

        var advanced = await store.Schedules.AdvanceAsync(
            new ScheduleAdvance(schedule.TenantId, schedule.Id, schedule.NextFireAt, next, state.LastFire, state.LastJobId, state.Queued),
            cancellationToken);
        if (!advanced) logger.LogDebug("Schedule {ScheduleId} was advanced by another scheduler first", schedule.Id);
    }

    private async Task FireOneAsync(ScheduleRecord schedule, DateTimeOffset fire, FireState state, CancellationToken cancellationToken)
    {
        switch (ConcurrencyPolicies.Decide(schedule.Concurrency, state.PreviousActive, state.Queued is not null))
        {
            case ConcurrencyAction.SkipFire:
                logger.LogInformation("Schedule {ScheduleId}: fire {FireAt:O} skipped, the previous run is still active ({Policy})",
                    schedule.Id, fire, schedule.Concurrency.ToText());
                break;
            case ConcurrencyAction.QueueFire:
                state.Queued = fire;
                break;
            case ConcurrencyAction.CancelPreviousAndSubmit:
                var previous = state.LastJobId ?? schedule.LastJobId;
                if (previous is not null)
                {
                    var (result, job) = await store.Jobs.RequestCancelAsync(schedule.TenantId, previous, cancellationToken);
                    if (result == CancelResult.Requested && job?.AgentId is { } agent) signals.Signal(WakeUpSignals.Agent(agent));
                    logger.LogInformation("Schedule {ScheduleId}: cancelling previous run {JobId} for fire {FireAt:O}", schedule.Id, previous, fire);
                }
                await SubmitAsync(schedule, fire, state, cancellationToken);
                break;
            default:
                await SubmitAsync(schedule, fire, state, cancellationToken);
                break;
        }
    }

    private async Task SubmitAsync(ScheduleRecord schedule, DateTimeOffset fire, FireState state, CancellationToken cancellationToken)
    {
        var request = new SubmitJobRequest(
            schedule.PackageName,
            schedule.PackageVersion,
            schedule.Inputs.Deserialize<Dictionary<string, JsonElement>>(),
            schedule.Priority,
            Queue: schedule.Queue);
        var outcome = await submissions.TrySubmitAsync(schedule.TenantId, request, schedule.IdempotencyKeyFor(fire), cancellationToken);
        state.LastFire = fire;
        if (outcome.Job is { } job)
        {
            state.LastJobId = job.Id;
            state.PreviousActive = !job.State.IsTerminal();
            if (outcome.Created) logger.LogInformation("Schedule {ScheduleId} fired {FireAt:O}: job {JobId}", schedule.Id, fire, job.Id);
            return;
        }
        // A refused fire (package gone, backpressure, bad inputs) counts as a failed run.
        logger.LogWarning("Schedule {ScheduleId}: fire {FireAt:O} refused: {Reason}", schedule.Id, fire, outcome.Reason);
        var counted = await store.Schedules.RecordRunAsync(schedule.TenantId, schedule.Id, null, failed: true, cancellationToken);
        if (counted is not null) await autoPause.PauseIfFailingAsync(counted, cancellationToken);
    }

    private async Task<bool> IsActiveAsync(string tenantId, string? jobId, CancellationToken cancellationToken) =>
        jobId is not null && await store.Jobs.GetAsync(tenantId, jobId, cancellationToken) is { } job && !job.State.IsTerminal();

    /// <summary>What firing has changed so far, carried into the advance.</summary>
    private sealed class FireState(DateTimeOffset? queued, bool previousActive)
    {
        public DateTimeOffset? Queued { get; set; } = queued;
        public bool PreviousActive { get; set; } = previousActive;
        public DateTimeOffset? LastFire { get; set; }
        public string? LastJobId { get; set; }
    }
}
