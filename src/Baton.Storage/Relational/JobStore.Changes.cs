using Baton.Core.Jobs;
using Baton.Storage.Model;

namespace Baton.Storage.Relational;

// An operator's changes to one job: its priority while it waits, and cancellation. Each reads the job locked
// (PostgreSQL: FOR UPDATE, so a claim cannot take it between the check and the write; SQLite: the single writer),
// decides, then compare-and-sets on the state it read.
internal sealed partial class JobStore
{
    public Task<(PriorityChangeResult Result, JobRecord? Job)> ChangePriorityAsync(string tenantId, string jobId, int priority, CancellationToken cancellationToken) =>
        database.WriteAsync<(PriorityChangeResult, JobRecord?)>(tenantId, async session =>
        {
            var job = await LoadAsync(session, tenantId, jobId, lockRow: true);
            if (job is null) return (PriorityChangeResult.NotFound, null);
            // Once it is on an agent its priority no longer matters.
            if (job.State != JobState.Pending) return (PriorityChangeResult.NotPending, job);
            if (job.Priority == priority) return (PriorityChangeResult.Changed, job);

            var now = Now();
            var updated = await session.QuerySingleAsync<JobRecord>(
                $"""
                UPDATE jobs SET priority = @priority
                WHERE id = @jobId AND tenant_id = @tenantId AND state = 'pending'
                RETURNING {JobRow.Select};
                """,
                new { tenantId, jobId, priority });
            await AppendJobEventsAsync(session, now,
                [new NewEvent(tenantId, jobId, JobEventTypes.PriorityChanged, job.Attempt, null, JobEventText.PriorityChanged(job.Priority, priority))]);
            return (PriorityChangeResult.Changed, updated);
        }, cancellationToken);

    /// <summary>A waiting job is cancelled at once; one on an agent is flagged, and the agent stops it at its next contact.</summary>
    public Task<(CancelResult Result, JobRecord? Job)> RequestCancelAsync(string tenantId, string jobId, CancellationToken cancellationToken) =>
        database.WriteAsync<(CancelResult, JobRecord?)>(tenantId, async session =>
        {
            var job = await LoadAsync(session, tenantId, jobId, lockRow: true);
            if (job is null) return (CancelResult.NotFound, null);
            if (job.State.IsTerminal()) return (CancelResult.AlreadyFinished, job);

            var now = Now();
            if (job.State == JobState.Pending)
            {
                var cancelled = await session.QuerySingleAsync<JobRecord>(
                    $"""
                    UPDATE jobs SET state = 'cancelled', finished_at = @now, not_before = NULL
                    WHERE id = @jobId AND tenant_id = @tenantId AND state = 'pending'
                    RETURNING {JobRow.Select};
                    """,
                    new { tenantId, jobId, now });
                await AppendJobEventsAsync(session, now,
                    [new NewEvent(tenantId, jobId, JobEventTypes.Cancelled, job.Attempt, null, "cancelled before it was assigned")]);
                await TenantEvents.QueueAsync(session, TenantEventPayloads.ForFinishedJob(cancelled) is { } ended ? [ended] : [], now);
                return (CancelResult.Cancelled, cancelled);
            }

            if (job.CancelRequested) return (CancelResult.Requested, job);
            var requested = await session.QuerySingleAsync<JobRecord>(
                $"""
                UPDATE jobs SET cancel_requested = true
                WHERE id = @jobId AND tenant_id = @tenantId AND state IN {JobRow.ActiveStates}
                RETURNING {JobRow.Select};
                """,
                new { tenantId, jobId });
            await AppendJobEventsAsync(session, now,
                [new NewEvent(tenantId, jobId, JobEventTypes.CancelRequested, job.Attempt, job.AgentId, $"agent {job.AgentId} asked to stop the job")]);
            return (CancelResult.Requested, requested);
        }, cancellationToken);
}
