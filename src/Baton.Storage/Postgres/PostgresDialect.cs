using Baton.Storage.Relational;

namespace Baton.Storage.Postgres;

/// <summary>PostgreSQL's side of <see cref="SqlDialect"/>.</summary>
internal sealed class PostgresDialect : SqlDialect
{
    public static PostgresDialect Instance { get; } = new();

    public override JobSql Jobs => PostgresJobSql.Instance;

    // Several replicas write at once: a transaction-scoped advisory lock serialises, say, two creations that check one quota.
    public override string? TransactionLock => "SELECT pg_advisory_xact_lock(hashtextextended(@lockKey, 0));";

    public override string LockRows => "FOR UPDATE";

    public override string SkipLocked(string alias) => $"FOR UPDATE OF {alias} SKIP LOCKED";

    public override string InList(string column, string parameter) => $"{column} = ANY(@{parameter})";

    public override string JsonOfText(string text) => $"CAST({text} AS jsonb)";

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

    // Busy paths of many replicas would queue on a tenant's sequence row: they write here without a lock instead.
    public override string? EventOutboxInsert =>
        """
        INSERT INTO event_outbox (tenant_id, type, subject_id, payload, created_at)
        SELECT e.tenant_id, e.type, e.subject_id, e.payload::jsonb, @now
        FROM unnest(@tenantIds::text[], @types::text[], @subjects::text[], @payloads::text[]) AS e(tenant_id, type, subject_id, payload);
        """;

    public override string? EventOutboxSequence =>
        """
        WITH moved AS (
            DELETE FROM event_outbox
            WHERE seq IN (SELECT seq FROM event_outbox ORDER BY seq LIMIT @limit)
            RETURNING seq, tenant_id, type, subject_id, payload, created_at
        ), numbered AS (
            SELECT m.*, row_number() OVER (PARTITION BY tenant_id ORDER BY seq) AS n, count(*) OVER (PARTITION BY tenant_id) AS total
            FROM moved m
        ), bumped AS (
            INSERT INTO event_sequences (tenant_id, last_id)
            SELECT tenant_id, MAX(total) FROM numbered GROUP BY tenant_id ORDER BY tenant_id
            ON CONFLICT (tenant_id) DO UPDATE SET last_id = event_sequences.last_id + EXCLUDED.last_id
            RETURNING tenant_id, last_id
        )
        INSERT INTO events (tenant_id, id, type, subject_id, payload, created_at)
        SELECT e.tenant_id, b.last_id - e.total + e.n, e.type, e.subject_id, e.payload, e.created_at
        FROM numbered e JOIN bumped b ON b.tenant_id = e.tenant_id;
        """;

    public override string HeartbeatAgentWrite =>
        $"""
        WITH renewed AS (
            -- Fenced: only the agent holding this attempt of an active job renews it.
            UPDATE jobs j
            SET lease_expires_at = r.lease_expires_at, progress = COALESCE(r.progress::jsonb, j.progress)
            FROM unnest(@jobIds::text[], @jobAgentIds::text[], @attempts::integer[], @leases::timestamptz[], @progress::text[])
                 AS r(job_id, agent_id, attempt, lease_expires_at, progress)
            WHERE j.id = r.job_id AND j.agent_id = r.agent_id AND j.attempt = r.attempt AND j.state IN {JobRow.ActiveStates}
            RETURNING j.id
        ),
        beats AS (
            SELECT * FROM unnest(@agentIds::text[], @ats::timestamptz[], @capabilities::text[], @resources::text[])
                 AS b(agent_id, at, capabilities, resources)
        ),
        before AS (
            -- The state before this update (RETURNING sees only the new row); locked so it is current.
            SELECT a.id, a.state FROM agents a JOIN beats b ON b.agent_id = a.id FOR UPDATE OF a
        )
        UPDATE agents a
        SET state = 'online',
            last_heartbeat_at = GREATEST(a.last_heartbeat_at, b.at),
            capabilities = COALESCE(b.capabilities::jsonb, a.capabilities),
            resources = COALESCE(b.resources::jsonb, a.resources)
        FROM beats b, before o
        WHERE a.id = b.agent_id AND o.id = a.id
        RETURNING CASE WHEN o.state = 'offline' THEN a.id END AS Id, a.tenant_id AS TenantId, a.name AS Name;
        """;

}
