using Baton.Storage.Relational;

namespace Baton.Storage.Sqlite;

/// <summary>SQLite's side of <see cref="SqlDialect"/>.</summary>
internal sealed class SqliteDialect : SqlDialect
{
    public static SqliteDialect Instance { get; } = new();

    public override JobSql Jobs => SqliteJobSql.Instance;

    // Every write already holds the single-writer gate and BEGIN IMMEDIATE's file lock.
    public override string? TransactionLock => null;

    public override string LockRows => "";

    public override string SkipLocked(string alias) => "";

    public override string InList(string column, string parameter) => $"{column} IN (SELECT value FROM json_each(@{parameter}))";

    // JSON is text.
    public override string JsonOfText(string text) => text;

    public override string OctetLength(string column) => $"length(CAST({column} AS BLOB))";

    public override string TextTail(string column, int characters) => $"substr({column}, -{characters})";

    // Times are unix milliseconds.
    public override string SecondsBetween(string from, string to) => $"(({to} - {from}) / 1000.0)";

    public override string EpochBucket(string column, int seconds) => $"({column} / {seconds * 1000})";

    public override string JsonField(string column, string field) => $"json_extract({column}, '$.{field}')";

    // The first list's elements in order (their index as ord), each other list's element at the same index: linear, where
    // joining json_each tables on their keys would rescan a list per row.
    public override string RowsOf(string alias, params (string Parameter, string Column)[] columns) => Rows(alias, columns);

    /// <summary><see cref="RowsOf"/>, for SQLite's own statements.</summary>
    public static string Rows(string alias, params (string Parameter, string Column)[] columns) =>
        $"(SELECT r.key AS ord, {string.Join(", ", columns.Select((column, i) => (i == 0 ? "r.value" : $"@{column.Parameter} ->> r.key") + " AS " + column.Column))} " +
        $"FROM json_each(@{columns[0].Parameter}) r) AS {alias}";

    // Flags are 0/1 integers; a partial index on "paused = 0" serves only a query that says "paused = 0".
    public override string IsFalse(string column) => $"{column} = 0";

    public override string TenantIndexWalk(string column) => $"{column} IN (SELECT id FROM tenants) AND ";

    public override string? FleetReadSetup => null;

    public override string DatabaseStatistics => "SELECT p.page_count * s.page_size AS SizeBytes FROM pragma_page_count() p, pragma_page_size() s;";

    public override string Greatest(string first, string second) => $"MAX({first}, {second})";

    public override string MillisecondsBetween(string from, string to) => $"({to} - {from})";

    // No LATERAL: one statement per tenant, each a LIMIT-ed walk of the ready index (tenant, state, priority, age) with no
    // extra sort key, so a tenant's 10,000 pending jobs cost a few index steps, not a sort.
    public override string ReadyHeads(string jobSelect, int tenants) => string.Concat(Enumerable.Range(0, tenants).Select(i =>
        $"""
        SELECT {jobSelect} FROM jobs
        WHERE tenant_id = json_extract(@ids, '$[{i}]') AND state = 'pending' AND (not_before IS NULL OR not_before <= @now)
          AND queue NOT IN (SELECT name FROM queues WHERE tenant_id = json_extract(@ids, '$[{i}]') AND paused <> 0)
        ORDER BY priority DESC, submitted_at
        LIMIT @limit;

        """));

    // One writer: events are numbered as they are written.
    public override string? EventOutboxInsert => null;

    public override string? EventOutboxSequence => null;

    // The agents as they were (which answers the ones back online), then the leases, then the agents: one writer, so
    // nothing changes between the statements. The unary + keeps the state off an index: each job is found by id.
    public override string HeartbeatAgentWrite { get; } =
        $"""
        SELECT CASE WHEN a.state = 'offline' THEN a.id END AS Id, a.tenant_id AS TenantId, a.name AS Name
        FROM {Rows("b", ("agentIds", "b_agent_id"))} JOIN agents a ON a.id = b.b_agent_id;
        UPDATE jobs AS j SET lease_expires_at = r.r_lease, progress = COALESCE(r.r_progress, j.progress)
        FROM {Rows("r", ("jobIds", "r_job_id"), ("jobAgentIds", "r_agent_id"), ("attempts", "r_attempt"), ("leases", "r_lease"), ("progress", "r_progress"))}
        WHERE j.id = r.r_job_id AND j.agent_id = r.r_agent_id AND j.attempt = r.r_attempt AND +j.state IN {JobRow.ActiveStates};
        UPDATE agents AS a
        SET state = 'online',
            last_heartbeat_at = CASE WHEN a.last_heartbeat_at IS NULL OR a.last_heartbeat_at < b.b_at THEN b.b_at ELSE a.last_heartbeat_at END,
            capabilities = COALESCE(b.b_capabilities, a.capabilities),
            resources = COALESCE(b.b_resources, a.resources)
        FROM {Rows("b", ("agentIds", "b_agent_id"), ("ats", "b_at"), ("capabilities", "b_capabilities"), ("resources", "b_resources"))}
        WHERE a.id = b.b_agent_id;
        """;
}
