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
}
