using Baton.Storage.Model;
using Baton.Storage.Relational;

namespace Baton.Storage.Postgres;

/// <summary>PostgreSQL's side of <see cref="JobSql"/>.</summary>
internal sealed class PostgresJobSql() : JobSql(PostgresDialect.Instance)
{
    public static PostgresJobSql Instance { get; } = new();

    protected override string RowsOfJob(string table) => $"{table} l WHERE l.job_id = @jobId AND l.tenant_id = @tenantId";

    // A small window first: most claims are filled from the first rows of the ready index.
    protected override (int Least, int PerSlot) FirstWindow => (32, 8);

    public override string UtcDay(string parameter) => $"({parameter}::timestamptz AT TIME ZONE 'UTC')::date";

    public override string LogLinesInsert =>
        """
        INSERT INTO job_logs (tenant_id, job_id, attempt, line, at, stream, text)
        SELECT @tenantId, @jobId, @attempt, l.line, l.at, l.stream, l.text
        FROM (
            SELECT DISTINCT ON (u.line) u.*
            FROM unnest(@lineNumbers::bigint[], @ats::timestamptz[], @streams::text[], @texts::text[]) WITH ORDINALITY AS u(line, at, stream, text, ord)
            ORDER BY u.line, u.ord
        ) AS l
        WHERE NOT EXISTS (SELECT 1 FROM job_logs x WHERE x.job_id = @jobId AND x.attempt = @attempt AND x.line = l.line)
        ORDER BY l.ord
        RETURNING line;
        """;

    public override string JobEventsInsert =>
        """
        INSERT INTO job_events (tenant_id, job_id, at, type, attempt, agent_id, message)
        SELECT e.tenant_id, e.job_id, @at, e.type, e.attempt, e.agent_id, e.message
        FROM unnest(@tenantIds::text[], @jobIds::text[], @types::text[], @attempts::integer[], @agentIds::text[], @messages::text[])
             WITH ORDINALITY AS e(tenant_id, job_id, type, attempt, agent_id, message, ord)
        ORDER BY e.ord;
        """;

    public override string AttemptStart =>
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
        """;

    // The release's own read is one indexed statement in the tenant's transaction.
    public override string? AssignedToAgentCount => null;

    public override string? ClaimActiveCount => null;

    // A per-tenant advisory lock serialises the concurrency-cap check across replicas (and every claim of the tenant, shared
    // agents' included); the lock and the reads in one round trip. The reads run after the lock is granted, so they see every
    // claim committed before it (read committed: a fresh snapshot per statement).
    public override string ClaimState =>
        $"""
        SELECT pg_advisory_xact_lock(hashtextextended('claims:' || @tenantId, 0));
        SELECT COUNT(*)::integer FROM jobs WHERE tenant_id = @tenantId AND state IN {JobRow.ActiveStates};
        {QueueStates}
        SELECT agent_id AS AgentId, COUNT(*)::bigint AS Jobs, COALESCE(SUM(cpu_millicores), 0)::bigint AS CpuMillicores, COALESCE(SUM(memory_mb), 0)::bigint AS MemoryMb
        FROM jobs WHERE agent_id = ANY(@agentIds) AND tenant_id = @tenantId AND state IN {JobRow.ActiveStates} GROUP BY agent_id;
        """;

    public override string JobAssignment { get; } =
        $"""
        WITH claimed AS (
            UPDATE jobs
            SET state = 'assigned', attempt = attempt + 1, agent_id = c.agent_id, assigned_at = @now, started_at = NULL,
                lease_expires_at = @leaseExpiresAt, not_before = NULL, progress = NULL
            FROM unnest(@ids::text[], @agentIds::text[]) AS c(id, agent_id)
            WHERE jobs.id = c.id AND jobs.tenant_id = @tenantId AND jobs.state = 'pending'
            RETURNING jobs.*
        ),
        assigned AS (
            INSERT INTO job_events (tenant_id, job_id, at, type, attempt, agent_id, message)
            SELECT tenant_id, id, @now, '{JobEventTypes.Assigned}', attempt, agent_id,
                   'assigned to agent ' || agent_id || ' (attempt ' || attempt || ' of ' || max_attempts || ')'
            FROM claimed
        )
        SELECT {JobRow.Select} FROM claimed;
        """;

    public override string JobsByIdempotencyKey { get; } =
        $"""
        SELECT {JobRow.Select} FROM jobs
        WHERE (tenant_id, idempotency_key) IN (SELECT * FROM unnest(@tenantIds::text[], @keys::text[]));
        """;

    // The submitted columns' lists as arrays (JSON as text, stored as jsonb).
    private static string SubmittedLists => Columns.Names(JobRow.Submitted.Select(c => $"@{c.List}::{(c.Type == "json" ? "text" : c.Type)}[]"));

    private static string SubmittedValues => Columns.Names(JobRow.Submitted.Select(c => c.Type == "json" ? $"n.{c.Column}::jsonb" : $"n.{c.Column}"));

    public override string JobInsert { get; } =
        $"""
        WITH job AS (
            INSERT INTO jobs ({JobRow.SubmittedColumns}, state, attempt, submitted_at)
            SELECT {SubmittedValues}, 'pending', 0, @now
            FROM unnest({SubmittedLists}) AS n({JobRow.SubmittedColumns})
            ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
            RETURNING *
        ),
        submitted AS (
            INSERT INTO job_events (tenant_id, job_id, at, type, attempt)
            SELECT tenant_id, id, submitted_at, '{JobEventTypes.Submitted}', 0 FROM job
        )
        SELECT {JobRow.Select} FROM job;
        """;
}
