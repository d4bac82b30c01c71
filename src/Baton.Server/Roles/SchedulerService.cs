using Baton.Core.Jobs;
using Baton.Server.Dispatch;
using Baton.Server.Hosting;
using Baton.Server.Scheduling;
using Baton.Storage;
using Microsoft.Extensions.Options;

namespace Baton.Server.Roles;

/// <summary>
/// The scheduler role. Every <see cref="ServerOptions.SchedulerInterval"/> (sooner when a schedule is
/// created or resumed) it counts the outcomes of schedules' finished runs (pausing a schedule that
/// keeps failing) and fires the due schedules it claims. Safe with several replicas: claims split the
/// work, and every fire's job carries the fire's idempotency key while the advance is a compare-and-set.
/// </summary>
public sealed class SchedulerService(
    IBatonStore store,
    ScheduleFirer firer,
    ScheduleAutoPause autoPause,
    WakeUpSignals signals,
    IOptions<ServerOptions> options,
    TimeProvider time,
    ILogger<SchedulerService> logger,
    Metrics.JobMetrics? metrics = null) : BackgroundService
{
    /// <summary>Signalled when a schedule is created, changed or resumed, so it is looked at without waiting a tick.</summary>
    public const string WakeUpTopic = "schedules";
    private const int BatchSize = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            // Subscribe before the tick, so a schedule created during it wakes the next one at once.
            using var wakeUp = signals.Subscribe(WakeUpTopic);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                await RunOnceAsync(stoppingToken);
                metrics?.SchedulerTicked(System.Diagnostics.Stopwatch.GetElapsedTime(started));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Scheduler tick failed; retrying next tick");
            }
            try
            {
                await wakeUp.WaitAsync(options.Value.SchedulerInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One tick: count settled runs, then fire every due schedule this replica claims.</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        await CountSettledRunsAsync(cancellationToken);
        var settings = options.Value;
        while (true)
        {
            var claimed = await store.Schedules.ClaimDueAsync(time.GetUtcNow(), settings.SchedulerClaimTimeout, BatchSize, cancellationToken);
            foreach (var schedule in claimed)
            {
                try
                {
                    await firer.FireAsync(schedule, settings.SchedulerMisfireTolerance, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The claim runs out and the fire is retried; its idempotency key keeps it to one job.
                    logger.LogError(ex, "Firing schedule {ScheduleId} of tenant {TenantId} failed", schedule.Id, schedule.TenantId);
                }
            }
            if (claimed.Count < BatchSize) return;
        }
    }

    private async Task CountSettledRunsAsync(CancellationToken cancellationToken)
    {
        foreach (var run in await store.Schedules.ListSettledRunsAsync(BatchSize, cancellationToken))
        {
            var failed = run.JobState is JobState.Failed or JobState.TimedOut;
            var counted = await store.Schedules.RecordRunAsync(run.TenantId, run.ScheduleId, run.JobId, failed, cancellationToken);
            if (counted is not null) await autoPause.PauseIfFailingAsync(counted, cancellationToken);
        }
    }
}
