using Baton.Core.Jobs;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;
using Npgsql;

namespace Baton.Storage.Postgres;

// Fenced writes by the agent holding an attempt (start, completion) and cancellation requests.
// Each reads the job with FOR UPDATE, decides like the SQLite backend, then compare-and-sets.
internal sealed partial class PostgresJobStore
{
    /// <summary>
    /// One statement: the compare-and-set to running with its event, and the job as it was before, which
    /// explains a refusal (gone, another holder or attempt, already running, or not assigned).
    /// </summary>
    public Task<AttemptWriteResult> MarkStartedAsync(string tenantId, string jobId, string agentId, int attempt, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, async (connection, transaction) =>
        {
            var now = Now();
            var outcome = await connection.QuerySingleOrDefaultAsync<StartOutcomeRow>(PgSql.Command(
                $"""
                WITH started AS (
                    UPDATE jobs SET state = 'running', started_at = @now
                    WHERE id = @jobId AND tenant_id = @tenantId AND state = 'assigned' AND agent_id = @agentId AND attempt = @attempt
                    RETURNING id
                ),
                logged AS (
                    INSERT INTO job_events (tenant_id, job_id, at, type, attempt, agent_id, message)
                    SELECT @tenantId, id, @now, '{JobEventTypes.Started}', @attempt, @agentId, @message FROM started
                )
                SELECT (SELECT COUNT(*) FROM started)::integer AS Started, j.state AS State, j.agent_id AS AgentId, j.attempt AS Attempt
                FROM jobs j WHERE j.id = @jobId AND j.tenant_id = @tenantId;
                """,
                new { tenantId, jobId, agentId, attempt, now, message = $"started on agent {agentId}" }, transaction, cancellationToken));
            if (outcome is null) return AttemptWriteResult.NotFound;
            if (outcome.Started == 1) return AttemptWriteResult.Ok;
            if (outcome.AgentId != agentId || outcome.Attempt != attempt) return AttemptWriteResult.Stale;
            return outcome.State switch
            {
                "running" => AttemptWriteResult.Ok,
                "assigned" => AttemptWriteResult.Stale,
                _ => AttemptWriteResult.InvalidState,
            };
        }, cancellationToken);

    private sealed class StartOutcomeRow
    {
        public int Started { get; set; }
        public string State { get; set; } = "";
        public string? AgentId { get; set; }
        public int Attempt { get; set; }
    }

    public Task<(AttemptWriteResult Result, JobRecord? Job)> CompleteAttemptAsync(AttemptCompletion completion, CancellationToken cancellationToken) =>
        database.InTenantAsync<(AttemptWriteResult, JobRecord?)>(completion.TenantId, async (connection, transaction) =>
        {
            var job = await LoadAsync(connection, transaction, completion.TenantId, completion.JobId, forUpdate: true, cancellationToken);
            if (job is null) return (AttemptWriteResult.NotFound, null);

            var holdsAttempt = job.State.IsActive() && job.AgentId == completion.AgentId && job.Attempt == completion.Attempt;
            if (!holdsAttempt)
            {
                // An agent retrying a completion whose response it lost gets the same answer again.
                var alreadyCompleted = await WasCompletedByAgentAsync(connection, transaction, completion, cancellationToken);
                return alreadyCompleted ? (AttemptWriteResult.Ok, job) : (AttemptWriteResult.Stale, null);
            }

            var now = Now();
            var retry = !job.CancelRequested && !completion.NoRetry && RetryPolicy.ShouldRetry(completion.Outcome, job.Attempt, job.MaxAttempts);
            var newState = retry ? JobState.Pending
                : job.CancelRequested && completion.Outcome != JobOutcome.Succeeded ? JobState.Cancelled
                : completion.Outcome.ToFinalState();
            var delay = retry ? retryPolicy.DelayAfter(job.Attempt) : TimeSpan.Zero;

            var row = await connection.QuerySingleOrDefaultAsync<PostgresJobRow>(PgSql.Command(
                $"""
                UPDATE jobs
                SET state = @newState, result = CAST(@result AS jsonb), exit_code = @ExitCode, error = @Error, lease_expires_at = NULL,
                    agent_id = CASE WHEN @retry THEN NULL ELSE agent_id END,
                    not_before = CASE WHEN @retry THEN @notBefore ELSE NULL END,
                    finished_at = CASE WHEN @retry THEN NULL ELSE @now END
                WHERE id = @JobId AND tenant_id = @TenantId AND state = @fromState AND agent_id = @AgentId AND attempt = @Attempt
                RETURNING {PostgresJobRow.Columns};
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
                    notBefore = now + delay,
                    now,
                },
                transaction, cancellationToken));
            if (row is null) return (AttemptWriteResult.Stale, null);

            NewEvent[] events = retry
                ?
                [
                    new(job.TenantId, job.Id, JobEventTypes.Failed, job.Attempt, completion.AgentId, JobEventText.Outcome(completion)),
                    new(job.TenantId, job.Id, JobEventTypes.RetryScheduled, job.Attempt, completion.AgentId,
                        $"retry in {JobEventText.Delay(delay)} (attempt {job.Attempt + 1} of {job.MaxAttempts})"),
                ]
                :
                [
                    new(job.TenantId, job.Id, JobEventText.TypeFor(newState), job.Attempt, completion.AgentId,
                        newState == JobState.Cancelled ? "cancelled on request; " + JobEventText.Outcome(completion) : JobEventText.Outcome(completion)),
                ];
            await InsertEventsAsync(connection, transaction, now, events, cancellationToken);
            var finished = row.ToRecord();
            if (TenantEventPayloads.ForFinishedJob(finished) is { } tenantEvent)
            {
                await PostgresTenantEvents.EnqueueAsync(connection, transaction, [tenantEvent], now, cancellationToken);
            }
            return (AttemptWriteResult.Ok, finished);
        }, cancellationToken);

    public Task<(CancelResult Result, JobRecord? Job)> RequestCancelAsync(string tenantId, string jobId, CancellationToken cancellationToken) =>
        database.InTenantAsync<(CancelResult, JobRecord?)>(tenantId, async (connection, transaction) =>
        {
            var job = await LoadAsync(connection, transaction, tenantId, jobId, forUpdate: true, cancellationToken);
            if (job is null) return (CancelResult.NotFound, null);
            if (job.State.IsTerminal()) return (CancelResult.AlreadyFinished, job);

            var now = Now();
            if (job.State == JobState.Pending)
            {
                var cancelled = await connection.QuerySingleAsync<PostgresJobRow>(PgSql.Command(
                    $"""
                    UPDATE jobs SET state = 'cancelled', finished_at = @now, not_before = NULL
                    WHERE id = @jobId AND tenant_id = @tenantId AND state = 'pending'
                    RETURNING {PostgresJobRow.Columns};
                    """,
                    new { tenantId, jobId, now }, transaction, cancellationToken));
                await InsertEventsAsync(connection, transaction, now,
                    [new NewEvent(tenantId, jobId, JobEventTypes.Cancelled, job.Attempt, null, "cancelled before it was assigned")], cancellationToken);
                var cancelledJob = cancelled.ToRecord();
                await PostgresTenantEvents.EnqueueAsync(connection, transaction, [TenantEventPayloads.ForFinishedJob(cancelledJob)!], now, cancellationToken);
                return (CancelResult.Cancelled, cancelledJob);
            }

            if (job.CancelRequested) return (CancelResult.Requested, job);
            var requested = await connection.QuerySingleAsync<PostgresJobRow>(PgSql.Command(
                $"""
                UPDATE jobs SET cancel_requested = true
                WHERE id = @jobId AND tenant_id = @tenantId AND state IN {PgSql.ActiveStates}
                RETURNING {PostgresJobRow.Columns};
                """,
                new { tenantId, jobId }, transaction, cancellationToken));
            await InsertEventsAsync(connection, transaction, now,
                [new NewEvent(tenantId, jobId, JobEventTypes.CancelRequested, job.Attempt, job.AgentId, $"agent {job.AgentId} asked to stop the job")],
                cancellationToken);
            return (CancelResult.Requested, requested.ToRecord());
        }, cancellationToken);

    /// <summary>
    /// Whether this agent ended this attempt itself (a completion event under its name) rather than
    /// losing it to a lease expiry: a late result after expiry stays refused.
    /// </summary>
    private static Task<bool> WasCompletedByAgentAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, AttemptCompletion completion, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<bool>(PgSql.Command(
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
