using Baton.Core.Api;
using Baton.Core.Jobs;
using Baton.Core.WorkItems;
using Baton.Server.Hosting;
using Baton.Server.Jobs;
using Baton.Storage;
using Baton.Storage.Model;
using Microsoft.Extensions.Options;

namespace Baton.Server.WorkItems;

/// <summary>
/// Starts the jobs work-item queue triggers call for (<see cref="TriggerPlan"/>): each through the normal submission
/// path with its slot's idempotency key, then the slot moved with a compare-and-set. Run by several replicas at once
/// it still makes one job per slot generation, and a trigger never has more than its maximum of jobs active.
/// </summary>
public sealed class WorkItemTriggerStarter(
    IBatonStore store, JobSubmissionService submissions, IOptions<ServerOptions> options, TimeProvider time, ILogger<WorkItemTriggerStarter> logger)
{
    /// <summary>Signalled when items are added or a trigger is saved, so the scheduler looks at once instead of at its next tick.</summary>
    public const string WakeUpTopic = "workitem-triggers";
    private const int BatchSize = 100;

    /// <summary>One pass over the triggers with demand; returns how many jobs it started.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var started = 0;
        foreach (var demand in await store.WorkItemTriggers.ListDemandAsync(BatchSize, TriggerPlan.MinItemsLimit, cancellationToken))
        {
            try
            {
                started += await StartAsync(demand, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The next pass tries again; the slot's idempotency key keeps it to one job.
                logger.LogError(ex, "Work-item trigger of queue {Queue} (tenant {TenantId}) failed to start jobs", demand.Trigger.Queue, demand.Trigger.TenantId);
            }
        }
        return started;
    }

    private async Task<int> StartAsync(WorkItemTriggerDemand demand, CancellationToken cancellationToken)
    {
        var trigger = demand.Trigger;
        var settings = options.Value.WorkItems;
        var slots = demand.Slots.Select(s => new TriggerSlotState(
            s.Slot, s.Generation, s.Active, s.JobState is JobState.Failed or JobState.TimedOut, s.JobFinishedAt)).ToList();
        var plan = TriggerPlan.Decide(trigger.MaxJobs, trigger.MinItems, demand.Pending, slots, time.GetUtcNow(),
            settings.TriggerRestartDelay, settings.TriggerFailureDelay);
        var started = 0;
        foreach (var slot in plan)
        {
            var outcome = await submissions.TrySubmitAsync(trigger.TenantId, new SubmitJobRequest(trigger.PackageName, trigger.PackageVersion),
                TriggerPlan.IdempotencyKey(trigger.Id, slot.Slot, slot.Generation), cancellationToken);
            if (outcome.Job is not { } job)
            {
                // The same refusal would meet every other slot: say why once, and try again next pass.
                var reason = outcome.Reason ?? "the submission was refused";
                if (trigger.LastError != reason)
                {
                    logger.LogWarning("Work-item trigger of queue {Queue} (tenant {TenantId}) could not start a job: {Reason}", trigger.Queue, trigger.TenantId, reason);
                    await store.WorkItemTriggers.RecordErrorAsync(trigger.TenantId, trigger.Queue, trigger.Id, reason, cancellationToken);
                }
                return started;
            }
            var moved = await store.WorkItemTriggers.AdvanceSlotAsync(
                new WorkItemTriggerStart(trigger.TenantId, trigger.Queue, trigger.Id, slot.Slot, slot.ExpectedGeneration, job.Id), cancellationToken);
            if (moved && outcome.Created)
            {
                started++;
                logger.LogInformation("Work-item trigger of queue {Queue} started job {JobId} ({Package}, slot {Slot}) for {Pending} waiting item(s)",
                    trigger.Queue, job.Id, trigger.PackageName, slot.Slot, demand.Pending);
            }
        }
        return started;
    }
}
