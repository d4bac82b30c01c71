using Baton.Server.Dispatch;
using Baton.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Baton.Server.WorkItems;

/// <summary>
/// Part of the scheduler role: every <see cref="ServerOptions.SchedulerInterval"/>, and at once when items are added or a
/// trigger is saved, starts the jobs work-item queue triggers call for (<see cref="WorkItemTriggerStarter"/>).
/// </summary>
public sealed class WorkItemTriggerService(
    WorkItemTriggerStarter starter, WakeUpSignals signals, IOptions<ServerOptions> options, TimeProvider time, ILogger<WorkItemTriggerService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            // Subscribe before the pass, so items added during it wake the next one at once.
            using var wakeUp = signals.Subscribe(WorkItemTriggerStarter.WakeUpTopic);
            try
            {
                await starter.RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Work-item trigger pass failed; retrying next tick");
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
}
