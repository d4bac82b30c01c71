namespace Baton.Storage.Relational;

/// <summary>
/// The job store's statements and fragments that differ between backends (see <see cref="SqlDialect"/>): one member per
/// statement, named the same on each side. SQLite's <c>job_logs</c> and <c>job_events</c> carry no tenant column (a job's
/// rows are its tenant's through the job); PostgreSQL's do, for Row-Level Security and the monthly partitions.
/// </summary>
internal abstract class JobSql
{
    /// <summary>
    /// A page of one job's log lines after <c>@afterSeq</c>, oldest first, at most <c>@limit</c>, as <c>Seq</c>, <c>Attempt</c>,
    /// <c>At</c>, <c>Stream</c>, <c>Text</c>; the job is <c>@jobId</c> of <c>@tenantId</c>.
    /// </summary>
    public abstract string LogPage { get; }

    /// <summary>
    /// One job's events in order, as <c>Id</c>, <c>JobId</c>, <c>At</c>, <c>Type</c>, <c>Attempt</c>, <c>AgentId</c>, <c>Message</c>;
    /// the job is <c>@jobId</c> of <c>@tenantId</c>.
    /// </summary>
    public abstract string EventList { get; }

    /// <summary>
    /// A claim's ready candidates: <c>@tenantId</c>'s pending jobs due at <c>@now</c> outside the queues of the text array
    /// <c>@blocked</c>, in <paramref name="orderBy"/>, at most <c>@limit</c>, as <see cref="JobRow.Select"/>.
    /// </summary>
    public abstract string ClaimCandidates(string orderBy);

    /// <summary>
    /// How many candidates a claim reads first, of the <paramref name="window"/> it may read (a second read takes the whole
    /// window when the first could not fill the agents' <paramref name="slotsWanted"/>).
    /// </summary>
    public abstract int FirstClaimWindow(int slotsWanted, int window);

    /// <summary>The UTC day a time parameter falls on, as <c>log_usage.day</c> keeps it (a <c>date</c>, or days since the epoch).</summary>
    public abstract string UtcDay(string parameter);

    /// <summary>
    /// The log append's read of job <c>@jobId</c> of <c>@tenantId</c>, as <c>State</c>, <c>AgentId</c>, <c>Attempt</c>,
    /// <c>CancelRequested</c>, <c>LogBytes</c>, <c>LogCutAttempt</c>; locks the row where writers run at once (batches of
    /// one job are ordered on it).
    /// </summary>
    public abstract string LogHolder { get; }

    /// <summary>
    /// Inserts log lines of attempt <c>@attempt</c> of job <c>@jobId</c> (of <c>@tenantId</c>), skipping a line already stored.
    /// Row by row (<see cref="SqlDialect.WritesRowByRow"/>): one line <c>@Line</c>, <c>@at</c>, <c>@Stream</c>, <c>@Text</c>,
    /// answering the rows inserted. Else the batch as lists <c>@lineNumbers</c>, <c>@ats</c>, <c>@streams</c>, <c>@texts</c>
    /// (the first copy of a line wins), returning the numbers of the lines it stored.
    /// </summary>
    public abstract string LogLinesInsert { get; }

    /// <summary>Adds <c>@stored</c> bytes to job <c>@jobId</c>'s log and, when <c>@sayCut</c>, records that attempt <c>@attempt</c> said its log was cut.</summary>
    public abstract string LogBytesAdded { get; }

    /// <summary>
    /// Adds <c>@stored</c> bytes to <c>@tenantId</c>'s <c>log_usage</c> row of shard <c>@shard</c> for the UTC day of <c>@now</c>
    /// (also given as <c>@day</c>, whole days since the epoch).
    /// </summary>
    public abstract string LogUsageAdded { get; }

    /// <summary>
    /// Records job events at <c>@at</c>. Row by row (<see cref="SqlDialect.WritesRowByRow"/>): one event <c>@jobId</c>,
    /// <c>@atMs</c>, <c>@type</c>, <c>@attempt</c>, <c>@agentId</c>, <c>@message</c>; else lists <c>@tenantIds</c>,
    /// <c>@jobIds</c>, <c>@types</c>, <c>@attempts</c>, <c>@agentIds</c>, <c>@messages</c>, inserted in list order.
    /// </summary>
    public abstract string JobEventsInsert { get; }

    /// <summary>
    /// Moves assigned jobs to running at <c>@now</c> where the starting agent holds that attempt. Row by row: job <c>@JobId</c>
    /// of <c>@TenantId</c> for <c>@AgentId</c>'s attempt <c>@Attempt</c>, answering the rows changed. Else the batch (lists
    /// <c>@tenantIds</c>, <c>@jobIds</c>, <c>@agentIds</c>, <c>@attempts</c>) with its <c>started</c> events, answering per
    /// start <c>TenantId</c>, <c>JobId</c>, <c>RequestedAgentId</c>, <c>RequestedAttempt</c>, <c>Started</c> and the job's
    /// <c>State</c>, <c>AgentId</c>, <c>Attempt</c> as it was.
    /// </summary>
    public abstract string AttemptStart { get; }

    /// <summary>
    /// The jobs of a batch of completions (lists <c>@jobIds</c>, <c>@tenantIds</c>) as <see cref="JobRow.Select"/>, locked in id
    /// order; null where completions are written row by row.
    /// </summary>
    public abstract string? CompletionJobsLocked { get; }

    /// <summary>
    /// Ends attempts with a compare-and-set on state, agent and attempt: result, exit code, error, the new state, and for a
    /// retry the agent cleared and the not-before time, else the finish time <c>@now</c>. Row by row: one completion
    /// (<c>@JobId</c>, <c>@TenantId</c>, <c>@AgentId</c>, <c>@Attempt</c>, <c>@fromState</c>, <c>@newState</c>, <c>@retry</c>,
    /// <c>@notBefore</c>, <c>@result</c>, <c>@ExitCode</c>, <c>@Error</c>), answering the rows changed; else lists of each,
    /// returning the changed jobs as <see cref="JobRow.Select"/>.
    /// </summary>
    public abstract string AttemptCompletion { get; }
}
