using Baton.Core.Jobs;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;
using Npgsql;

namespace Baton.Storage.Postgres;

// Fenced writes by the agent holding an attempt (start, completion), in one statement per batch.
internal sealed partial class PostgresJobStore
{
    /// <summary>
    /// One statement for every start of the batch: the compare-and-sets to running with their events, and each job as it
    /// was before, which explains a refusal (gone, another holder or attempt, already running, or not assigned). A batch
    /// of several tenants (group commit) runs in the system scope, each row fenced by its tenant, agent and attempt.
    /// </summary>
    public override Task<IReadOnlyList<AttemptWriteResult>> MarkStartedManyAsync(IReadOnlyList<AttemptStart> starts, CancellationToken cancellationToken)
    {
        if (starts.Count == 0) return Task.FromResult<IReadOnlyList<AttemptWriteResult>>([]);
        // A start repeated in one batch (an agent retrying) is written once and answered alike.
        var unique = starts.Distinct().ToList();
        return InScopeOfAsync<IReadOnlyList<AttemptWriteResult>>(unique.Select(s => s.TenantId), async (connection, transaction) =>
        {
            var now = Now();
            var rows = (await connection.QueryAsync<StartOutcomeRow>(PgSql.Command(
                $"""
                WITH input AS (
                    SELECT * FROM unnest(@tenantIds::text[], @jobIds::text[], @agentIds::text[], @attempts::integer[]) AS i(tenant_id, job_id, agent_id, attempt)
                ),
                started AS (
                    UPDATE jobs j SET state = 'running', started_at = @now
                    FROM input i
                    WHERE j.id = i.job_id AND j.tenant_id = i.tenant_id AND j.state = 'assigned' AND j.agent_id = i.agent_id AND j.attempt = i.attempt
                    RETURNING j.id, j.tenant_id, j.agent_id, j.attempt
                ),
                logged AS (
                    INSERT INTO job_events (tenant_id, job_id, at, type, attempt, agent_id, message)
                    SELECT tenant_id, id, @now, '{JobEventTypes.Started}', attempt, agent_id, 'started on agent ' || agent_id FROM started
                )
                SELECT i.tenant_id AS TenantId, i.job_id AS JobId, i.agent_id AS RequestedAgentId, i.attempt AS RequestedAttempt,
                       (s.id IS NOT NULL) AS Started, j.state AS State, j.agent_id AS AgentId, j.attempt AS Attempt
                FROM input i
                LEFT JOIN started s ON s.id = i.job_id AND s.tenant_id = i.tenant_id AND s.agent_id = i.agent_id AND s.attempt = i.attempt
                LEFT JOIN jobs j ON j.id = i.job_id AND j.tenant_id = i.tenant_id;
                """,
                new
                {
                    now,
                    tenantIds = unique.Select(s => s.TenantId).ToArray(),
                    jobIds = unique.Select(s => s.JobId).ToArray(),
                    agentIds = unique.Select(s => s.AgentId).ToArray(),
                    attempts = unique.Select(s => s.Attempt).ToArray(),
                },
                transaction, cancellationToken))).ToList();
            var byStart = rows.ToDictionary(r => new AttemptStart(r.TenantId, r.JobId, r.RequestedAgentId, r.RequestedAttempt));
            return starts.Select(start => byStart.TryGetValue(start, out var row)
                ? (row.Started ? AttemptWriteResult.Ok : StartAnswer(row.State, row.AgentId, row.Attempt, start) ?? AttemptWriteResult.Stale)
                : AttemptWriteResult.NotFound).ToList();
        }, cancellationToken);
    }

    private sealed class StartOutcomeRow
    {
        public string TenantId { get; set; } = "";
        public string JobId { get; set; } = "";
        public string RequestedAgentId { get; set; } = "";
        public int RequestedAttempt { get; set; }
        public bool Started { get; set; }
        public string? State { get; set; }
        public string? AgentId { get; set; }
        public int Attempt { get; set; }
    }

    /// <summary>
    /// The completions of a batch in one transaction: the jobs read and locked in one statement (<c>FOR UPDATE</c>, in id
    /// order), each ending decided (<see cref="AttemptEnding"/>), the compare-and-sets in one <c>UPDATE … FROM unnest</c>,
    /// then their job events and tenant events in one statement each.
    /// </summary>
    public override Task<IReadOnlyList<(AttemptWriteResult Result, JobRecord? Job)>> CompleteAttemptsAsync(
        IReadOnlyList<AttemptCompletion> completions, CancellationToken cancellationToken)
    {
        if (completions.Count == 0) return Task.FromResult<IReadOnlyList<(AttemptWriteResult, JobRecord?)>>([]);
        return InScopeOfAsync<IReadOnlyList<(AttemptWriteResult, JobRecord?)>>(completions.Select(c => c.TenantId), async (connection, transaction) =>
        {
            var jobs = (await connection.QueryAsync<Relational.JobRow>(PgSql.Command(
                $"""
                SELECT {Relational.JobRow.Select} FROM jobs
                WHERE (id, tenant_id) IN (SELECT * FROM unnest(@jobIds::text[], @tenantIds::text[]))
                ORDER BY id
                FOR UPDATE;
                """,
                new { jobIds = completions.Select(c => c.JobId).ToArray(), tenantIds = completions.Select(c => c.TenantId).ToArray() },
                transaction, cancellationToken))).Select(row => row.ToRecord()).ToDictionary(job => job.Id, StringComparer.Ordinal);

            var now = Now();
            var results = new (AttemptWriteResult, JobRecord?)[completions.Count];
            var writes = new List<(int Index, AttemptCompletion Completion, JobRecord Job, AttemptEnding Ending)>();
            var taken = new Dictionary<string, int>(StringComparer.Ordinal);
            var repeats = new List<(int Index, int SameAs)>();
            for (var i = 0; i < completions.Count; i++)
            {
                var completion = completions[i];
                if (!jobs.TryGetValue(completion.JobId, out var job))
                {
                    results[i] = (AttemptWriteResult.NotFound, null);
                }
                else if (taken.TryGetValue(job.Id, out var first) && (completions[first].AgentId, completions[first].Attempt) == (completion.AgentId, completion.Attempt))
                {
                    // The same completion twice in one batch (an agent retrying): answered like the first.
                    repeats.Add((i, first));
                }
                else if (AttemptEnding.Holds(job, completion) && taken.TryAdd(job.Id, i))
                {
                    writes.Add((i, completion, job, AttemptEnding.Decide(job, completion, Retries)));
                }
                else
                {
                    // An agent retrying a completion whose response it lost gets the same answer again.
                    results[i] = await WasCompletedByAgentAsync(connection, transaction, completion, cancellationToken)
                        ? (AttemptWriteResult.Ok, job)
                        : (AttemptWriteResult.Stale, null);
                }
            }
            if (writes.Count == 0) return results;

            var updated = (await connection.QueryAsync<Relational.JobRow>(PgSql.Command(
                $"""
                UPDATE jobs j
                SET state = u.u_new_state, result = u.u_result::jsonb, exit_code = u.u_exit_code, error = u.u_error, lease_expires_at = NULL,
                    agent_id = CASE WHEN u.u_retry THEN NULL ELSE j.agent_id END,
                    not_before = CASE WHEN u.u_retry THEN u.u_not_before ELSE NULL END,
                    finished_at = CASE WHEN u.u_retry THEN NULL ELSE @now END
                FROM unnest(@jobIds::text[], @tenantIds::text[], @agentIds::text[], @attempts::integer[], @fromStates::text[], @newStates::text[],
                            @retries::boolean[], @notBefores::timestamptz[], @resultTexts::text[], @exitCodes::integer[], @errors::text[])
                     AS u(u_job_id, u_tenant_id, u_agent_id, u_attempt, u_from_state, u_new_state, u_retry, u_not_before, u_result, u_exit_code, u_error)
                WHERE j.id = u.u_job_id AND j.tenant_id = u.u_tenant_id AND j.state = u.u_from_state AND j.agent_id = u.u_agent_id AND j.attempt = u.u_attempt
                RETURNING {Relational.JobRow.Select};
                """,
                new
                {
                    now,
                    jobIds = writes.Select(w => w.Job.Id).ToArray(),
                    tenantIds = writes.Select(w => w.Job.TenantId).ToArray(),
                    agentIds = writes.Select(w => w.Completion.AgentId).ToArray(),
                    attempts = writes.Select(w => w.Completion.Attempt).ToArray(),
                    fromStates = writes.Select(w => w.Job.State.ToText()).ToArray(),
                    newStates = writes.Select(w => w.Ending.NewState.ToText()).ToArray(),
                    retries = writes.Select(w => w.Ending.Retry).ToArray(),
                    notBefores = writes.Select(w => now + w.Ending.RetryDelay).ToArray(),
                    resultTexts = writes.Select(w => StoredJson.ToText(w.Completion.Result)).ToArray(),
                    exitCodes = writes.Select(w => w.Completion.ExitCode).ToArray(),
                    errors = writes.Select(w => w.Completion.Error).ToArray(),
                },
                transaction, cancellationToken))).Select(row => row.ToRecord()).ToDictionary(job => job.Id, StringComparer.Ordinal);

            var events = new List<NewEvent>();
            var tenantEvents = new List<NewTenantEvent>();
            foreach (var (index, completion, job, ending) in writes)
            {
                if (!updated.TryGetValue(job.Id, out var finished))
                {
                    results[index] = (AttemptWriteResult.Stale, null);
                    continue;
                }
                results[index] = (AttemptWriteResult.Ok, finished);
                events.AddRange(ending.Events.Select(e => new NewEvent(job.TenantId, job.Id, e.Type, job.Attempt, completion.AgentId, e.Message)));
                if (TenantEventPayloads.ForFinishedJob(finished) is { } tenantEvent) tenantEvents.Add(tenantEvent);
            }
            await InsertEventsAsync(connection, transaction, now, events, cancellationToken);
            await Relational.TenantEvents.QueueAsync(PostgresDatabase.Session(connection, transaction, cancellationToken), tenantEvents, now);
            foreach (var (index, first) in repeats) results[index] = results[first];
            return results;
        }, cancellationToken);
    }

    private static Task<bool> WasCompletedByAgentAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, AttemptCompletion completion, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<bool>(PgSql.Command(
            CompletedByAgent, new { completion.JobId, completion.Attempt, completion.AgentId }, transaction, cancellationToken));
}
