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
}
