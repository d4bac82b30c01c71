using Baton.Storage.Model;
using Baton.Storage.Relational;
using static Baton.Storage.Sqlite.SqliteDialect;

namespace Baton.Storage.Sqlite;

/// <summary>SQLite's side of <see cref="JobSql"/>.</summary>
internal sealed class SqliteJobSql() : JobSql(SqliteDialect.Instance)
{
    public static SqliteJobSql Instance { get; } = new();

    protected override string RowsOfJob(string table) => $"{table} l JOIN jobs j ON j.id = l.job_id AND j.tenant_id = @tenantId WHERE l.job_id = @jobId";

    // A small window first: most claims are filled from the first rows of the ready index, and every row read is a
    // whole job to map (a tenant's single agent asking for a job read up to 200 of them; reading them took a tenth of
    // the server's CPU with 100 tenants). A second statement in process costs less than those rows.
    protected override (int Least, int PerSlot) FirstWindow => (8, 2);

    // A unary + keeps a constant condition (state, tenant) from an index.
    protected override string OffIndex(string column) => "+" + column;

    // Times are unix milliseconds and days whole days since the epoch (the times are never before it).
    public override string UtcDay(string parameter) => $"({parameter} / 86400000)";

    // Lines in batch order, so the first copy of a line is the one stored.
    public override string LogLinesInsert { get; } =
        $"""
        INSERT OR IGNORE INTO job_logs (job_id, attempt, line, at, stream, text)
        SELECT @jobId, @attempt, l.line, l.at, l.stream, l.text
        FROM {Rows("l", ("lineNumbers", "line"), ("ats", "at"), ("streams", "stream"), ("texts", "text"))}
        ORDER BY l.ord
        RETURNING line;
        """;

    public override string JobEventsInsert { get; } =
        $"""
        INSERT INTO job_events (job_id, at, type, attempt, agent_id, message)
        SELECT e.job_id, @at, e.type, e.attempt, e.agent_id, e.message
        FROM {Rows("e", ("jobIds", "job_id"), ("types", "type"), ("attempts", "attempt"), ("agentIds", "agent_id"), ("messages", "message"))}
        ORDER BY e.ord;
        """;

    // The starts as the jobs were (which answers each), then the started events, then the compare-and-sets: one writer,
    // so the jobs the events name are the ones the update starts. In the batch statements a unary + keeps a constant
    // condition (state, tenant) from an index, so the planner walks the batch and finds each job by id rather than walking
    // every job in that state (SQLite keeps no statistics here).
    public override string AttemptStart { get; } =
        $"""
        SELECT i.tenant_id AS TenantId, i.job_id AS JobId, i.agent_id AS RequestedAgentId, i.attempt AS RequestedAttempt,
               (j.id IS NOT NULL AND j.state = 'assigned' AND j.agent_id = i.agent_id AND j.attempt = i.attempt) AS Started,
               j.state AS State, j.agent_id AS AgentId, j.attempt AS Attempt
        FROM {Starts} LEFT JOIN jobs j ON j.id = i.job_id AND j.tenant_id = i.tenant_id;
        INSERT INTO job_events (job_id, at, type, attempt, agent_id, message)
        SELECT j.id, @now, '{JobEventTypes.Started}', j.attempt, j.agent_id, 'started on agent ' || j.agent_id
        FROM {Starts} JOIN jobs j ON j.id = i.job_id AND j.tenant_id = i.tenant_id
        WHERE +j.state = 'assigned' AND j.agent_id = i.agent_id AND j.attempt = i.attempt
        ORDER BY i.ord;
        UPDATE jobs AS j SET state = 'running', started_at = @now
        FROM {Starts}
        WHERE j.id = i.job_id AND j.tenant_id = i.tenant_id AND +j.state = 'assigned' AND j.agent_id = i.agent_id AND j.attempt = i.attempt;
        """;

    private static string Starts => Rows("i", ("tenantIds", "tenant_id"), ("jobIds", "job_id"), ("agentIds", "agent_id"), ("attempts", "attempt"));

    public override string? AssignedToAgentCount => "SELECT COUNT(*) FROM jobs WHERE agent_id = @agentId AND state = 'assigned' AND tenant_id = @tenantId;";

    // Under the write gate (which serialises every claim): the count first, so a tenant at its cap reads no more.
    public override string? ClaimActiveCount => $"SELECT COUNT(*) FROM jobs WHERE tenant_id = @tenantId AND state IN {JobRow.ActiveStates};";

    public override string ClaimState =>
        $"""
        {QueueStates}
        SELECT agent_id AS AgentId, COUNT(*) AS Jobs, COALESCE(SUM(cpu_millicores), 0) AS CpuMillicores, COALESCE(SUM(memory_mb), 0) AS MemoryMb
        FROM jobs WHERE agent_id IN @agentIds AND state IN {JobRow.ActiveStates} GROUP BY agent_id;
        """;

    // The assigned events first, of the picks still pending (one writer: the ones the update then takes).
    public override string JobAssignment { get; } =
        $"""
        INSERT INTO job_events (job_id, at, type, attempt, agent_id, message)
        SELECT j.id, @now, '{JobEventTypes.Assigned}', j.attempt + 1, c.pick_agent_id,
               'assigned to agent ' || c.pick_agent_id || ' (attempt ' || (j.attempt + 1) || ' of ' || j.max_attempts || ')'
        FROM {Picks} JOIN jobs j ON j.id = c.pick_id
        WHERE +j.tenant_id = @tenantId AND +j.state = 'pending'
        ORDER BY c.ord;
        UPDATE jobs AS j
        SET state = 'assigned', attempt = attempt + 1, agent_id = c.pick_agent_id, assigned_at = @now, started_at = NULL,
            lease_expires_at = @leaseExpiresAt, not_before = NULL, progress = NULL
        FROM {Picks}
        WHERE j.id = c.pick_id AND +j.tenant_id = @tenantId AND +j.state = 'pending'
        RETURNING {JobRow.Select};
        """;

    private static string Picks => Rows("c", ("ids", "pick_id"), ("agentIds", "pick_agent_id"));

    public override string JobsByIdempotencyKey { get; } =
        $"""
        SELECT {JobRow.Select}
        FROM {Rows("k", ("tenantIds", "k_tenant_id"), ("keys", "k_key"))} JOIN jobs ON jobs.tenant_id = k.k_tenant_id AND jobs.idempotency_key = k.k_key;
        """;

    // The jobs' ids are new: the ones now in jobs are the ones this insert stored. WHERE true: SQLite would read ON CONFLICT
    // as a join's ON without it.
    public override string JobInsert { get; } =
        $"""
        INSERT INTO jobs ({JobRow.SubmittedColumns}, state, attempt, submitted_at)
        SELECT {BatchColumns.Names(JobRow.Submitted, "n")}, 'pending', 0, @now
        FROM {Rows("n", BatchColumns.Lists(JobRow.Submitted))}
        WHERE true
        ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
        RETURNING {JobRow.Select};
        INSERT INTO job_events (job_id, at, type, attempt)
        SELECT value, @now, '{JobEventTypes.Submitted}', 0 FROM json_each(@ids) WHERE value IN (SELECT id FROM jobs) ORDER BY key;
        """;
}
