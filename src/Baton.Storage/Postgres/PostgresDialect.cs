using Baton.Storage.Relational;

namespace Baton.Storage.Postgres;

/// <summary>PostgreSQL's side of <see cref="SqlDialect"/>.</summary>
internal sealed class PostgresDialect : SqlDialect
{
    public static PostgresDialect Instance { get; } = new();

    public override JobSql Jobs => PostgresJobSql.Instance;

    // Every statement is a round trip: a batch goes as one statement over arrays (unnest).
    public override bool WritesRowByRow => false;

    // Several replicas write at once: a transaction-scoped advisory lock serialises, say, two creations that check one quota.
    public override string? TransactionLock => "SELECT pg_advisory_xact_lock(hashtextextended(@lockKey, 0));";

    public override string LockRows => "FOR UPDATE";

    public override string SkipLocked(string alias) => $"FOR UPDATE OF {alias} SKIP LOCKED";

    public override string InList(string column, string parameter) => $"{column} = ANY(@{parameter})";

    public override string OctetLength(string column) => $"octet_length({column}::text)";

    public override string TextTail(string column, int characters) => $"right({column}, {characters})";

    public override string SecondsBetween(string from, string to) => $"extract(epoch FROM {to} - {from})::double precision";

    public override string EpochBucket(string column, int seconds) => $"floor(extract(epoch FROM {column}) / {seconds})::bigint";

    public override string JsonField(string column, string field) => $"({column}->>'{field}')";

    public override string RowsOf(string alias, params (string Parameter, string Column)[] columns) =>
        $"unnest({string.Join(", ", columns.Select(column => "@" + column.Parameter))}) AS {alias}({string.Join(", ", columns.Select(column => column.Column))})";

    public override string IsFalse(string column) => $"NOT {column}";

    public override string TenantIndexWalk(string column) => "";

    // Row security's "own tenant OR system scope" filter makes the planner expect a few rows where the system scope
    // sees them all, so it groups 10,000 agents by sorting on collated text: hashing is twice as fast here, and the
    // groups (tenants × queues or agent groups) always fit in memory. Local to that read-only transaction.
    public override string? FleetReadSetup => "SET LOCAL enable_sort = off";

    public override string DatabaseStatistics =>
        """
        SELECT pg_database_size(current_database()) AS SizeBytes, d.blks_hit AS BlocksHit, d.blks_read AS BlocksRead,
               (SELECT COUNT(*) FROM pg_stat_activity WHERE backend_type = 'client backend') AS ConnectionsUsed,
               current_setting('max_connections')::bigint AS MaxConnections
        FROM pg_stat_database d WHERE d.datname = current_database();
        """;

    public override string Greatest(string first, string second) => $"GREATEST({first}, {second})";

    public override string MillisecondsBetween(string from, string to) => $"EXTRACT(EPOCH FROM ({to} - {from})) * 1000";

    // One statement: a LIMIT-ed index walk per tenant, joined laterally.
    public override string ReadyHeads(string jobSelect, int tenants) =>
        $"""
        SELECT h.* FROM unnest(@ids::text[]) AS t(id) CROSS JOIN LATERAL (
            SELECT {jobSelect} FROM jobs
            WHERE jobs.tenant_id = t.id AND jobs.state = 'pending' AND (jobs.not_before IS NULL OR jobs.not_before <= @now)
              AND NOT EXISTS (SELECT 1 FROM queues q WHERE q.tenant_id = jobs.tenant_id AND q.name = jobs.queue AND q.paused)
            ORDER BY jobs.priority DESC, jobs.submitted_at, jobs.id
            LIMIT @limit) h;
        """;
}
