using Baton.Storage.Relational;

namespace Baton.Storage.Sqlite;

/// <summary>SQLite's side of <see cref="SqlDialect"/>.</summary>
internal sealed class SqliteDialect : SqlDialect
{
    public static SqliteDialect Instance { get; } = new();

    public override JobSql Jobs => SqliteJobSql.Instance;

    // One writer at a time, in process: a statement per row costs a call, not a round trip.
    public override bool WritesRowByRow => true;

    // Every write already holds the single-writer gate and BEGIN IMMEDIATE's file lock.
    public override string? TransactionLock => null;

    public override string LockRows => "";

    public override string SkipLocked(string alias) => "";

    public override string InList(string column, string parameter) => $"{column} IN (SELECT value FROM json_each(@{parameter}))";

    public override string OctetLength(string column) => $"length(CAST({column} AS BLOB))";

    public override string TextTail(string column, int characters) => $"substr({column}, -{characters})";

    // Times are unix milliseconds.
    public override string SecondsBetween(string from, string to) => $"(({to} - {from}) / 1000.0)";

    public override string EpochBucket(string column, int seconds) => $"({column} / {seconds * 1000})";

    public override string JsonField(string column, string field) => $"json_extract({column}, '$.{field}')";

    public override string RowsOf(string alias, params (string Parameter, string Column)[] columns)
    {
        var select = string.Join(", ", columns.Select((column, i) => $"c{i}.value AS {column.Column}"));
        var from = string.Join(" ", columns.Select((column, i) =>
            i == 0 ? $"json_each(@{column.Parameter}) c0" : $"JOIN json_each(@{column.Parameter}) c{i} ON c{i}.key = c0.key"));
        return $"(SELECT {select} FROM {from}) AS {alias}";
    }

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

    public override string EventIdsTaken =>
        """
        INSERT INTO event_sequences (tenant_id, last_id) VALUES (@tenantId, @count)
        ON CONFLICT (tenant_id) DO UPDATE SET last_id = last_id + @count
        RETURNING last_id;
        """;

    public override string EventsInsert =>
        """
        INSERT INTO events (tenant_id, id, type, subject_id, payload, created_at)
        VALUES (@TenantId, @id, @Type, @SubjectId, @payload, @nowMs);
        """;

    // One writer: events are numbered as they are written.
    public override string? EventOutboxInsert => null;

    public override string? EventOutboxSequence => null;

    public override string? HeartbeatAgentRead => "SELECT state AS State, tenant_id AS TenantId, name AS Name FROM agents WHERE id = @AgentId;";

    public override string HeartbeatAgentWrite =>
        """
        UPDATE agents
        SET state = 'online',
            last_heartbeat_at = CASE WHEN last_heartbeat_at IS NULL OR last_heartbeat_at < @at THEN @at ELSE last_heartbeat_at END,
            capabilities = COALESCE(@capabilities, capabilities),
            resources = COALESCE(@resources, resources)
        WHERE id = @AgentId;
        """;

    // Fenced: only the agent holding this attempt of an active job renews it.
    public override string? HeartbeatLeaseRenewal =>
        """
        UPDATE jobs SET lease_expires_at = @leaseExpiresAt, progress = COALESCE(@progress, progress)
        WHERE id = @JobId AND agent_id = @AgentId AND attempt = @Attempt AND state IN ('assigned', 'running');
        """;
}
