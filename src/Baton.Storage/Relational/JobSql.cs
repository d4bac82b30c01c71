namespace Baton.Storage.Relational;

/// <summary>
/// The job store's statements and fragments that differ between backends (see <see cref="SqlDialect"/>): one member per
/// statement, named the same on each side. SQLite's <c>job_logs</c> and <c>job_events</c> carry no tenant column (a job's
/// rows are its tenant's through the job); PostgreSQL's do, for Row-Level Security and the monthly partitions.
/// </summary>
internal abstract class JobSql(SqlDialect dialect)
{
    /// <summary>
    /// A page of one job's log lines after <c>@afterSeq</c>, oldest first, at most <c>@limit</c>, as <c>Seq</c>, <c>Attempt</c>,
    /// <c>At</c>, <c>Stream</c>, <c>Text</c> (<see cref="Model.LogLineRecord"/>'s constructor); the job is <c>@jobId</c> of <c>@tenantId</c>.
    /// </summary>
    public string LogPage => field ??=
        $"""
        SELECT l.seq AS Seq, l.attempt AS Attempt, l.at AS At, l.stream AS Stream, l.text AS Text
        FROM {RowsOfJob("job_logs")} AND l.seq > @afterSeq
        ORDER BY l.seq
        LIMIT @limit;
        """;

    /// <summary>
    /// <see cref="JobRow.Select"/> for a page of jobs: inputs and results over 4 KiB are left out (flagged), errors keep
    /// their last KiB, so a page stays small whatever the jobs hold.
    /// </summary>
    public string ListSelect => field ??=
        JobRow.Select
            .Replace("inputs AS Inputs", $"CASE WHEN {dialect.OctetLength("inputs")} <= 4096 THEN inputs ELSE 'null' END AS Inputs", StringComparison.Ordinal)
            .Replace("result AS Result", $"CASE WHEN {dialect.OctetLength("result")} <= 4096 THEN result ELSE 'null' END AS Result", StringComparison.Ordinal)
            .Replace("error AS Error", $"{dialect.TextTail("error", 1024)} AS Error", StringComparison.Ordinal)
        + $", {dialect.OctetLength("inputs")} > 4096 AS InputsOmitted, COALESCE({dialect.OctetLength("result")} > 4096, false) AS ResultOmitted";

    /// <summary>
    /// One job's events in order, as <c>Id</c>, <c>JobId</c>, <c>At</c>, <c>Type</c>, <c>Attempt</c>, <c>AgentId</c>, <c>Message</c>
    /// (<see cref="Model.JobEventRecord"/>'s constructor); the job is <c>@jobId</c> of <c>@tenantId</c>.
    /// </summary>
    public string EventList => field ??=
        $"""
        SELECT l.id AS Id, l.job_id AS JobId, l.at AS At, l.type AS Type, l.attempt AS Attempt, l.agent_id AS AgentId, l.message AS Message
        FROM {RowsOfJob("job_events")}
        ORDER BY l.id;
        """;

    /// <summary>
    /// The rows of <paramref name="table"/> (aliased <c>l</c>) of job <c>@jobId</c> of <c>@tenantId</c>, up to and including a
    /// <c>WHERE</c> that more conditions can follow with <c>AND</c>: PostgreSQL's rows carry their tenant, SQLite's are their
    /// tenant's through the job.
    /// </summary>
    protected abstract string RowsOfJob(string table);

    /// <summary>Ends a read of a job row the write goes on to change: <c> FOR UPDATE</c> where writers run at once, else nothing.</summary>
    public string ForUpdate => dialect.LockRows is "" ? "" : " " + dialect.LockRows;

    /// <summary>
    /// Ends a read of jobs the write goes on to take back, on a line of its own: <c>FOR UPDATE SKIP LOCKED</c> where writers run
    /// at once (two replicas' janitors share a sweep instead of queueing; each job is handled once), else nothing.
    /// </summary>
    private string ForUpdateSkipLocked => dialect.LockRows is "" ? "" : $"\n{dialect.LockRows} SKIP LOCKED";

    /// <summary>
    /// A claim's ready candidates: <c>@tenantId</c>'s pending jobs due at <c>@now</c> outside the queues of the text list
    /// <c>@blocked</c>, in <paramref name="orderBy"/>, at most <c>@limit</c>, as <see cref="JobRow.Select"/>.
    /// </summary>
    public string ClaimCandidates(string orderBy) =>
        $"""
        SELECT {JobRow.Select} FROM jobs
        WHERE tenant_id = @tenantId AND state = 'pending' AND (not_before IS NULL OR not_before <= @now) AND NOT {dialect.InList("queue", "blocked")}
        ORDER BY {orderBy}
        LIMIT @limit;
        """;

    /// <summary>
    /// How many candidates a claim reads first, of the <paramref name="window"/> it may read: the dialect's
    /// <see cref="FirstWindow"/> (a second read takes the whole window when the first could not fill the agents'
    /// <paramref name="slotsWanted"/>).
    /// </summary>
    public int FirstClaimWindow(int slotsWanted, int window) => Math.Min(window, Math.Max(FirstWindow.Least, slotsWanted * FirstWindow.PerSlot));

    /// <summary>A claim's first window of candidates: at least <c>Least</c>, <c>PerSlot</c> per free slot when more.</summary>
    protected abstract (int Least, int PerSlot) FirstWindow { get; }

    /// <summary>The UTC day a time parameter falls on, as <c>log_usage.day</c> keeps it (a <c>date</c>, or days since the epoch).</summary>
    public abstract string UtcDay(string parameter);

    /// <summary>
    /// The log append's read of job <c>@jobId</c> of <c>@tenantId</c>, as <c>State</c>, <c>AgentId</c>, <c>Attempt</c>,
    /// <c>CancelRequested</c>, <c>LogBytes</c>, <c>LogCutAttempt</c>; locks the row where writers run at once (batches of
    /// one job are ordered on it).
    /// </summary>
    public string LogHolder => field ??=
        $"""
        SELECT state AS State, agent_id AS AgentId, attempt AS Attempt, cancel_requested AS CancelRequested,
               log_bytes AS LogBytes, log_cut_attempt AS LogCutAttempt
        FROM jobs WHERE id = @jobId AND tenant_id = @tenantId{ForUpdate};
        """;

    /// <summary>
    /// Inserts log lines of attempt <c>@attempt</c> of job <c>@jobId</c> (of <c>@tenantId</c>), skipping a line already stored,
    /// from the lists <c>@lineNumbers</c>, <c>@ats</c>, <c>@streams</c>, <c>@texts</c> (the first copy of a line wins),
    /// returning the numbers of the lines it stored.
    /// </summary>
    public abstract string LogLinesInsert { get; }

    /// <summary>Adds <c>@stored</c> bytes to job <c>@jobId</c>'s log and, when <c>@sayCut</c>, records that attempt <c>@attempt</c> said its log was cut.</summary>
    public string LogBytesAdded =>
        """
        UPDATE jobs SET log_bytes = log_bytes + @stored, log_cut_attempt = CASE WHEN @sayCut THEN @attempt ELSE log_cut_attempt END
        WHERE id = @jobId AND tenant_id = @tenantId;
        """;

    /// <summary>Adds <c>@stored</c> bytes to <c>@tenantId</c>'s <c>log_usage</c> row of shard <c>@shard</c> for the UTC day of <c>@now</c>.</summary>
    public string LogUsageAdded => field ??=
        $"""
        INSERT INTO log_usage (tenant_id, day, shard, bytes)
        VALUES (@tenantId, {UtcDay("@now")}, @shard, @stored)
        ON CONFLICT (tenant_id, day, shard) DO UPDATE SET bytes = log_usage.bytes + excluded.bytes;
        """;

    /// <summary>
    /// Records job events at <c>@at</c> from the lists <c>@tenantIds</c>, <c>@jobIds</c>, <c>@types</c>, <c>@attempts</c>,
    /// <c>@agentIds</c>, <c>@messages</c>, inserted in list order.
    /// </summary>
    public abstract string JobEventsInsert { get; }

    /// <summary>
    /// Moves assigned jobs to running at <c>@now</c> where the starting agent holds that attempt: the batch (lists
    /// <c>@tenantIds</c>, <c>@jobIds</c>, <c>@agentIds</c>, <c>@attempts</c>) with its <c>started</c> events, answering per
    /// start <c>TenantId</c>, <c>JobId</c>, <c>RequestedAgentId</c>, <c>RequestedAttempt</c>, <c>Started</c> and the job's
    /// <c>State</c>, <c>AgentId</c>, <c>Attempt</c> as it was.
    /// </summary>
    public abstract string AttemptStart { get; }

    /// <summary>
    /// The jobs of a batch of completions (lists <c>@jobIds</c>, <c>@tenantIds</c>) as <see cref="JobRow.Select"/>, locked in id
    /// order.
    /// </summary>
    public string CompletionJobsLocked => field ??=
        $"""
        SELECT {JobRow.Select} FROM jobs
        WHERE (id, tenant_id) IN (SELECT c.job_id, c.tenant_id FROM {dialect.RowsOf("c", ("jobIds", "job_id"), ("tenantIds", "tenant_id"))})
        ORDER BY id{ForUpdate};
        """;

    /// <summary>
    /// Ends attempts with a compare-and-set on state, agent and attempt: result, exit code, error, the new state, and for a
    /// retry the agent cleared and the not-before time, else the finish time <c>@now</c>: lists <c>@jobIds</c>,
    /// <c>@tenantIds</c>, <c>@agentIds</c>, <c>@attempts</c>, <c>@fromStates</c>, <c>@newStates</c>, <c>@retries</c>,
    /// <c>@notBefores</c>, <c>@resultTexts</c>, <c>@exitCodes</c>, <c>@errors</c>, returning the changed jobs as
    /// <see cref="JobRow.Select"/>.
    /// </summary>
    public string AttemptCompletion => field ??=
        $"""
        UPDATE jobs AS j
        SET state = u.u_new_state, result = {dialect.JsonOfText("u.u_result")}, exit_code = u.u_exit_code, error = u.u_error, lease_expires_at = NULL,
            agent_id = CASE WHEN u.u_retry THEN NULL ELSE j.agent_id END,
            not_before = CASE WHEN u.u_retry THEN u.u_not_before ELSE NULL END,
            finished_at = CASE WHEN u.u_retry THEN NULL ELSE @now END
        FROM {dialect.RowsOf("u", ("jobIds", "u_job_id"), ("tenantIds", "u_tenant_id"), ("agentIds", "u_agent_id"), ("attempts", "u_attempt"),
                  ("fromStates", "u_from_state"), ("newStates", "u_new_state"), ("retries", "u_retry"), ("notBefores", "u_not_before"),
                  ("resultTexts", "u_result"), ("exitCodes", "u_exit_code"), ("errors", "u_error"))}
        WHERE j.id = u.u_job_id AND j.tenant_id = u.u_tenant_id AND j.state = u.u_from_state AND j.agent_id = u.u_agent_id AND j.attempt = u.u_attempt
        RETURNING {JobRow.Select};
        """;

    /// <summary>
    /// How many jobs of <c>@tenantId</c> are assigned to agent <c>@agentId</c>: read outside the write before a release, where
    /// entering the write costs more than a read (the single writer); null where the release's own read is cheap.
    /// </summary>
    public abstract string? AssignedToAgentCount { get; }

    /// <summary>
    /// <c>@tenantId</c>'s jobs assigned to agent <c>@agentId</c> before <c>@before</c>, as <see cref="JobRow.Select"/> (locked,
    /// skipping rows another writer holds, where writers run at once).
    /// </summary>
    public string ReleaseCandidates => field ??=
        $"""
        SELECT {JobRow.Select} FROM jobs
        WHERE tenant_id = @tenantId AND agent_id = @agentId AND state = 'assigned' AND assigned_at < @before{ForUpdateSkipLocked};
        """;

    /// <summary>
    /// Puts assignments back to pending without spending the attempt: the jobs of the text list <c>@ids</c> still assigned
    /// to <c>@agentId</c> of <c>@tenantId</c>, returning them as <see cref="JobRow.Select"/>.
    /// </summary>
    public string ReleaseAssignment => field ??=
        $"""
        UPDATE jobs
        SET state = 'pending', attempt = attempt - 1, agent_id = NULL, assigned_at = NULL, lease_expires_at = NULL
        WHERE tenant_id = @tenantId AND agent_id = @agentId AND state = 'assigned' AND {dialect.InList("id", "ids")}
        RETURNING {JobRow.Select};
        """;

    /// <summary>Every tenant's active jobs whose lease ran out before <c>@now</c>, oldest first, as <see cref="JobRow.Select"/> (locked, skipping rows another sweep holds, where writers run at once).</summary>
    public string ExpiredLeases => field ??=
        $"""
        SELECT {JobRow.Select} FROM jobs
        WHERE state IN {JobRow.ActiveStates} AND lease_expires_at < @now
        ORDER BY lease_expires_at{ForUpdateSkipLocked};
        """;

    /// <summary>
    /// Ends expired leases: the new state, <c>lease_expires_at</c> cleared, the reason as error, the agent cleared and the
    /// not-before set for a retry, else the finish time <c>@now</c>: lists <c>@ids</c>, <c>@attempts</c>, <c>@newStates</c>,
    /// <c>@reasons</c>, <c>@notBefores</c> of rows this transaction locked (or, with one writer, read).
    /// </summary>
    public string LeaseExpiry => field ??=
        $"""
        UPDATE jobs AS j
        SET state = u.new_state, lease_expires_at = NULL, error = u.reason,
            agent_id = CASE WHEN u.new_state = 'pending' THEN NULL ELSE j.agent_id END,
            not_before = u.not_before,
            finished_at = CASE WHEN u.new_state = 'pending' THEN NULL ELSE @now END
        FROM {dialect.RowsOf("u", ("ids", "u_id"), ("attempts", "u_attempt"), ("newStates", "new_state"), ("reasons", "reason"), ("notBefores", "not_before"))}
        WHERE j.id = u.u_id AND j.attempt = u.u_attempt AND {OffIndex("j.state")} IN {JobRow.ActiveStates};
        """;

    /// <summary>
    /// A column of a batch statement's constant condition, kept from the planner's index choice where it would otherwise walk
    /// every job in that state instead of finding each job of the batch by id (SQLite, which keeps no statistics here).
    /// </summary>
    protected virtual string OffIndex(string column) => column;

    /// <summary>
    /// <c>@tenantId</c>'s active job count, read on its own before the rest of the claim state (so a tenant at its cap stops
    /// there); null where <see cref="ClaimState"/> takes the tenant's claim lock and reads the count itself.
    /// </summary>
    public abstract string? ClaimActiveCount { get; }

    /// <summary>
    /// The claim state of <c>@tenantId</c> in one round trip: when <see cref="ClaimActiveCount"/> is null, first the tenant's
    /// claim lock (one result, ignored) and its active count; then its queues as <see cref="QueueCapacityRow"/> and the loads of
    /// the agents of the text array <c>@agentIds</c> as <see cref="AgentLoadRow"/>.
    /// </summary>
    public abstract string ClaimState { get; }

    /// <summary>The part of <see cref="ClaimState"/> that reads <c>@tenantId</c>'s queues as <see cref="QueueCapacityRow"/>.</summary>
    protected static string QueueStates { get; } =
        $"""
        SELECT q.name AS Name, q.priority AS Priority, q.max_concurrency AS MaxConcurrency, q.paused AS Paused,
               (SELECT COUNT(*) FROM jobs a WHERE a.tenant_id = q.tenant_id AND a.queue = q.name AND a.state IN {JobRow.ActiveStates}) AS Active,
               q.agent_groups AS AgentGroups, q.reserved_slots AS ReservedSlots, q.reserved_min_priority AS ReservedMinPriority
        FROM queues q WHERE q.tenant_id = @tenantId;
        """;

    /// <summary>
    /// Assigns pending jobs (attempt + 1, agent, <c>assigned_at</c> <c>@now</c>, lease until <c>@leaseExpiresAt</c>, start,
    /// not-before and progress cleared), returning them as <see cref="JobRow.Select"/>: the jobs of the list <c>@ids</c> of
    /// <c>@tenantId</c> still pending, each to its agent of the list <c>@agentIds</c>, with its <c>assigned</c> event.
    /// </summary>
    public abstract string JobAssignment { get; }

    /// <summary>
    /// Jobs by idempotency key, as <see cref="JobRow.Select"/>: those of the lists <c>@tenantIds</c> and <c>@keys</c>, pairwise.
    /// </summary>
    public abstract string JobsByIdempotencyKey { get; }

    /// <summary>
    /// Inserts pending jobs submitted at <c>@now</c>, returning them as <see cref="JobRow.Select"/>: lists of the
    /// <see cref="NewJob"/> fields (<c>@ids</c>, <c>@tenantIds</c>, …, <c>@requirements</c> and <c>@inputs</c> as JSON text)
    /// with their <c>submitted</c> events, skipping a key a concurrent submission took.
    /// </summary>
    public abstract string JobInsert { get; }
}
