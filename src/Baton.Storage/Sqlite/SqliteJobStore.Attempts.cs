using Baton.Core.Jobs;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Baton.Storage.Sqlite;

// Fenced writes by the agent holding an attempt (start, completion) and cancellation requests.
internal sealed partial class SqliteJobStore
{
    public Task<AttemptWriteResult> MarkStartedAsync(string tenantId, string jobId, string agentId, int attempt, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var job = await LoadAsync(connection, transaction, tenantId, jobId, cancellationToken);
            if (job is null) return AttemptWriteResult.NotFound;
            if (job.AgentId != agentId || job.Attempt != attempt) return AttemptWriteResult.Stale;
            if (job.State == JobState.Running) return AttemptWriteResult.Ok;
            if (job.State != JobState.Assigned) return AttemptWriteResult.InvalidState;

            var now = NowMs();
            var updated = await connection.ExecuteAsync(Sql.Command(
                """
                UPDATE jobs SET state = 'running', started_at = @now
                WHERE id = @jobId AND tenant_id = @tenantId AND state = 'assigned' AND agent_id = @agentId AND attempt = @attempt;
                """,
                new { tenantId, jobId, agentId, attempt, now }, transaction, cancellationToken));
            if (updated != 1) return AttemptWriteResult.Stale;
            await InsertEventAsync(connection, transaction, jobId, now, JobEventTypes.Started, attempt, agentId,
                $"started on agent {agentId}", cancellationToken);
            return AttemptWriteResult.Ok;
        }, cancellationToken);

    public Task<(AttemptWriteResult Result, JobRecord? Job)> CompleteAttemptAsync(AttemptCompletion completion, CancellationToken cancellationToken) =>
        database.WriteAsync<(AttemptWriteResult, JobRecord?)>(async (connection, transaction) =>
        {
            var job = await LoadAsync(connection, transaction, completion.TenantId, completion.JobId, cancellationToken);
            if (job is null) return (AttemptWriteResult.NotFound, null);

            var holdsAttempt = job.State.IsActive() && job.AgentId == completion.AgentId && job.Attempt == completion.Attempt;
            if (!holdsAttempt)
            {
                // An agent retrying a completion whose response it lost gets the same answer again.
                var alreadyCompleted = await WasCompletedByAgentAsync(connection, transaction, completion, cancellationToken);
                return alreadyCompleted ? (AttemptWriteResult.Ok, job) : (AttemptWriteResult.Stale, null);
            }

            var now = NowMs();
            var retry = !job.CancelRequested && !completion.NoRetry && RetryPolicy.ShouldRetry(completion.Outcome, job.Attempt, job.MaxAttempts);
            var newState = retry ? JobState.Pending
                : job.CancelRequested && completion.Outcome != JobOutcome.Succeeded ? JobState.Cancelled
                : completion.Outcome.ToFinalState();
            var delay = retry ? retryPolicy.DelayAfter(job.Attempt) : TimeSpan.Zero;

            var updated = await connection.ExecuteAsync(Sql.Command(
                """
                UPDATE jobs
                SET state = @newState, result = @result, exit_code = @ExitCode, error = @Error, lease_expires_at = NULL,
                    agent_id = CASE WHEN @retry THEN NULL ELSE agent_id END,
                    not_before = CASE WHEN @retry THEN @notBefore ELSE NULL END,
                    finished_at = CASE WHEN @retry THEN NULL ELSE @now END
                WHERE id = @JobId AND tenant_id = @TenantId AND state = @fromState AND agent_id = @AgentId AND attempt = @Attempt;
                """,
                new
                {
                    completion.JobId,
                    completion.TenantId,
                    completion.AgentId,
                    completion.Attempt,
                    completion.ExitCode,
                    completion.Error,
                    result = StoredJson.ToText(completion.Result),
                    fromState = job.State.ToText(),
                    newState = newState.ToText(),
                    retry,
                    notBefore = now + (long)delay.TotalMilliseconds,
                    now,
                },
                transaction, cancellationToken));
            if (updated != 1) return (AttemptWriteResult.Stale, null);

            if (retry)
            {
                await InsertEventAsync(connection, transaction, job.Id, now, JobEventTypes.Failed, job.Attempt, completion.AgentId,
                    JobEventText.Outcome(completion), cancellationToken);
                await InsertEventAsync(connection, transaction, job.Id, now, JobEventTypes.RetryScheduled, job.Attempt, completion.AgentId,
                    $"retry in {JobEventText.Delay(delay)} (attempt {job.Attempt + 1} of {job.MaxAttempts})", cancellationToken);
            }
            else
            {
                var message = newState == JobState.Cancelled ? "cancelled on request; " + JobEventText.Outcome(completion) : JobEventText.Outcome(completion);
                await InsertEventAsync(connection, transaction, job.Id, now, JobEventText.TypeFor(newState), job.Attempt, completion.AgentId, message, cancellationToken);
            }
            var finished = await LoadAsync(connection, transaction, job.TenantId, job.Id, cancellationToken);
            await SqliteTenantEvents.AppendAsync(connection, transaction, TenantEventPayloads.ForFinishedJob(finished!), now, cancellationToken);
            return (AttemptWriteResult.Ok, finished);
        }, cancellationToken);

    public Task<(CancelResult Result, JobRecord? Job)> RequestCancelAsync(string tenantId, string jobId, CancellationToken cancellationToken) =>
        database.WriteAsync<(CancelResult, JobRecord?)>(async (connection, transaction) =>
        {
            var job = await LoadAsync(connection, transaction, tenantId, jobId, cancellationToken);
            if (job is null) return (CancelResult.NotFound, null);
            if (job.State.IsTerminal()) return (CancelResult.AlreadyFinished, job);

            var now = NowMs();
            if (job.State == JobState.Pending)
            {
                var cancelled = await connection.ExecuteAsync(Sql.Command(
                    """
                    UPDATE jobs SET state = 'cancelled', finished_at = @now, not_before = NULL
                    WHERE id = @jobId AND tenant_id = @tenantId AND state = 'pending';
                    """,
                    new { tenantId, jobId, now }, transaction, cancellationToken));
                if (cancelled != 1) throw new InvalidOperationException($"Job {jobId} changed under the write gate.");
                await InsertEventAsync(connection, transaction, jobId, now, JobEventTypes.Cancelled, job.Attempt, null,
                    "cancelled before it was assigned", cancellationToken);
                var cancelledJob = await LoadAsync(connection, transaction, tenantId, jobId, cancellationToken);
                await SqliteTenantEvents.AppendAsync(connection, transaction, TenantEventPayloads.ForFinishedJob(cancelledJob!), now, cancellationToken);
                return (CancelResult.Cancelled, cancelledJob);
            }

            if (!job.CancelRequested)
            {
                var requested = await connection.ExecuteAsync(Sql.Command(
                    $"""
                    UPDATE jobs SET cancel_requested = 1
                    WHERE id = @jobId AND tenant_id = @tenantId AND state IN {ActiveStates} AND cancel_requested = 0;
                    """,
                    new { tenantId, jobId }, transaction, cancellationToken));
                if (requested == 1)
                {
                    await InsertEventAsync(connection, transaction, jobId, now, JobEventTypes.CancelRequested, job.Attempt, job.AgentId,
                        $"agent {job.AgentId} asked to stop the job", cancellationToken);
                }
            }
            return (CancelResult.Requested, await LoadAsync(connection, transaction, tenantId, jobId, cancellationToken));
        }, cancellationToken);

    /// <summary>
    /// Whether this agent ended this attempt itself (a completion event under its name) rather than
    /// losing it to a lease expiry: a late result after expiry stays refused.
    /// </summary>
    private static Task<bool> WasCompletedByAgentAsync(
        SqliteConnection connection, SqliteTransaction transaction, AttemptCompletion completion, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<bool>(Sql.Command(
            """
            SELECT EXISTS (
                SELECT 1 FROM job_events
                WHERE job_id = @JobId AND attempt = @Attempt AND agent_id = @AgentId
                  AND type IN ('succeeded', 'failed', 'timed_out', 'cancelled'))
               AND NOT EXISTS (
                SELECT 1 FROM job_events
                WHERE job_id = @JobId AND attempt = @Attempt AND agent_id = @AgentId AND type = 'lease_expired');
            """,
            new { completion.JobId, completion.Attempt, completion.AgentId }, transaction, cancellationToken));
}
