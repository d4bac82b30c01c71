namespace Baton.Storage.Relational;

/// <summary>
/// The SQL text that is not the same on every backend, and nothing else: one property per statement
/// or fragment, named the same on each dialect so the twins can be read side by side. Everything
/// that is the same idea on every backend (rows, column lists, decisions) lives in the shared stores.
/// Values are not here: times, flags, JSON and lists are bound by the Dapper handlers of
/// <see cref="StoredValues"/>, so one parameter object and one row type serve every backend.
/// </summary>
internal abstract class SqlDialect
{
    /// <summary>The job store's statements (its busy paths' tuned forms, and the log and event reads).</summary>
    public abstract JobSql Jobs { get; }

    /// <summary>
    /// Takes <c>@count</c> ids of tenant <c>@tenantId</c>'s event sequence (its <c>event_sequences</c> row, created at need,
    /// locked until the transaction ends) and answers the last of them.
    /// </summary>
    public string EventIdsTaken =>
        """
        INSERT INTO event_sequences (tenant_id, last_id) VALUES (@tenantId, @count)
        ON CONFLICT (tenant_id) DO UPDATE SET last_id = event_sequences.last_id + EXCLUDED.last_id
        RETURNING last_id;
        """;

    /// <summary>
    /// Inserts numbered tenant events created at <c>@now</c>, from the lists <c>@tenantIds</c>, <c>@ids</c>, <c>@types</c>,
    /// <c>@subjects</c>, <c>@payloads</c> (JSON text).
    /// </summary>
    public string EventsInsert => field ??=
        $"""
        INSERT INTO events (tenant_id, id, type, subject_id, payload, created_at)
        SELECT e.tenant_id, e.id, e.type, e.subject_id, {JsonOfText("e.payload")}, @now
        FROM {RowsOf("e", ("tenantIds", "tenant_id"), ("ids", "id"), ("types", "type"), ("subjects", "subject_id"), ("payloads", "payload"))};
        """;

    /// <summary>
    /// Queues tenant events to be numbered later, without a lock (lists <c>@tenantIds</c>, <c>@types</c>, <c>@subjects</c>,
    /// <c>@payloads</c>, created at <c>@now</c>); null where events are numbered as they are written (one writer).
    /// </summary>
    public abstract string? EventOutboxInsert { get; }

    /// <summary>
    /// Moves up to <c>@limit</c> queued events (oldest first) into <c>events</c> with their tenants' next ids, in one statement,
    /// answering how many moved; null without an outbox.
    /// </summary>
    public abstract string? EventOutboxSequence { get; }

    /// <summary>
    /// The whole heartbeat batch: the leases of the reported jobs (lists <c>@jobIds</c>, <c>@jobAgentIds</c>, <c>@attempts</c>,
    /// <c>@leases</c>, <c>@progress</c>) renewed where the agent holds that attempt of an active job, and the agents (lists
    /// <c>@agentIds</c>, <c>@ats</c>, <c>@capabilities</c>, <c>@resources</c>) marked online with the later of their last
    /// heartbeat and this one and what they report, returning each agent's <c>TenantId</c> and <c>Name</c> and its <c>Id</c>
    /// when it was offline.
    /// </summary>
    public abstract string HeartbeatAgentWrite { get; }

    /// <summary>Takes a lock named by <c>@lockKey</c> until the transaction ends; null where writes are serialised anyway.</summary>
    public abstract string? TransactionLock { get; }

    /// <summary>
    /// Appended to a <c>SELECT</c> to lock the rows it reads until the transaction ends (a concurrent writer
    /// waits for this one's decision); empty where the writer holds the whole database already.
    /// </summary>
    public abstract string LockRows { get; }

    /// <summary>
    /// Appended to a <c>SELECT … LIMIT</c> that picks work to claim: locks the picked rows of <paramref name="alias"/>
    /// and skips rows another claimer holds (<c>FOR UPDATE … SKIP LOCKED</c>); empty where one writer claims at a time.
    /// </summary>
    public abstract string SkipLocked(string alias);

    /// <summary>Whether <paramref name="column"/> is one of the <see cref="TextList"/> parameter <paramref name="parameter"/> (without @).</summary>
    public abstract string InList(string column, string parameter);

    /// <summary>A JSON column's value from a text expression holding JSON (a list element or parameter bound as text).</summary>
    public abstract string JsonOfText(string text);

    /// <summary>The size in bytes of a text or JSON column's text.</summary>
    public abstract string OctetLength(string column);

    /// <summary>The last <paramref name="characters"/> characters of a text column.</summary>
    public abstract string TextTail(string column, int characters);

    /// <summary>Seconds from one time column to another, as a double.</summary>
    public abstract string SecondsBetween(string from, string to);

    /// <summary>The number of the <paramref name="seconds"/>-long bucket since the epoch that a time column falls in, as a bigint.</summary>
    public abstract string EpochBucket(string column, int seconds);

    /// <summary>A top-level text field of a JSON column.</summary>
    public abstract string JsonField(string column, string field);

    /// <summary>
    /// A table of rows from list parameters of the same length (see <see cref="TextList"/>, <see cref="ValueList"/>):
    /// <c>unnest(…)</c> on PostgreSQL, <c>json_each</c> on SQLite (which also numbers the rows from 0 as <c>ord</c>).
    /// <paramref name="columns"/> pairs each parameter name (without @) with the column name it becomes.
    /// </summary>
    public abstract string RowsOf(string alias, params (string Parameter, string Column)[] columns);

    /// <summary>
    /// A boolean column that is false, spelt the way the backend's partial indexes name it (<c>paused = 0</c> on SQLite,
    /// <c>NOT paused</c> on PostgreSQL), so a scan that filters on it can use them.
    /// </summary>
    public abstract string IsFalse(string column);

    /// <summary>
    /// Put in front of a <c>WHERE</c>'s other conditions on a table with (tenant_id, …) indexes, to make the planner walk
    /// such an index one tenant at a time (<c>tenant_id IN (SELECT id FROM tenants) AND </c>, for SQLite's planner, which
    /// does not skip-scan an index's first column without statistics); empty where the planner needs no help.
    /// </summary>
    public abstract string TenantIndexWalk(string column);

    /// <summary>Sent first in the fleet read's transaction (planner settings for that read only); null when nothing is.</summary>
    public abstract string? FleetReadSetup { get; }

    /// <summary>
    /// The database's own figures as one row of <c>SizeBytes</c>, <c>BlocksHit</c>, <c>BlocksRead</c>, <c>ConnectionsUsed</c>
    /// and <c>MaxConnections</c> (those it does not know left out): a statement ending in <c>;</c>.
    /// </summary>
    public abstract string DatabaseStatistics { get; }

    /// <summary>The larger of two values (<c>GREATEST</c>; SQLite's two-argument <c>MAX</c>).</summary>
    public abstract string Greatest(string first, string second);

    /// <summary>Milliseconds from one time to another, as a number.</summary>
    public abstract string MillisecondsBetween(string from, string to);

    /// <summary>
    /// The ready heads of a shared-pool snapshot: for each of the <paramref name="tenants"/> tenants of the <see cref="TextList"/>
    /// <c>@ids</c>, up to <c>@limit</c> of its pending jobs that are due at <c>@now</c> and outside paused queues, best first,
    /// as <paramref name="jobSelect"/> over <c>jobs</c>: one or more statements, each ending in <c>;</c>.
    /// </summary>
    public abstract string ReadyHeads(string jobSelect, int tenants);
}
