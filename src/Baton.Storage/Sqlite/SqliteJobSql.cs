using Baton.Storage.Relational;

namespace Baton.Storage.Sqlite;

/// <summary>SQLite's side of <see cref="JobSql"/>.</summary>
internal sealed class SqliteJobSql : JobSql
{
    public static SqliteJobSql Instance { get; } = new();

    public override string LogPage =>
        """
        SELECT l.seq AS Seq, l.attempt AS Attempt, l.at AS At, l.stream AS Stream, l.text AS Text
        FROM job_logs l JOIN jobs j ON j.id = l.job_id
        WHERE l.job_id = @jobId AND j.tenant_id = @tenantId AND l.seq > @afterSeq
        ORDER BY l.seq
        LIMIT @limit;
        """;

    public override string EventList =>
        """
        SELECT e.id AS Id, e.job_id AS JobId, e.at AS At, e.type AS Type, e.attempt AS Attempt, e.agent_id AS AgentId, e.message AS Message
        FROM job_events e JOIN jobs j ON j.id = e.job_id
        WHERE e.job_id = @jobId AND j.tenant_id = @tenantId
        ORDER BY e.id;
        """;

    // Dapper spreads the array into a list of parameters.
    public override string ClaimCandidates(string orderBy) =>
        $"""
        SELECT {JobRow.Select} FROM jobs
        WHERE tenant_id = @tenantId AND state = 'pending' AND (not_before IS NULL OR not_before <= @now) AND queue NOT IN @blocked
        ORDER BY {orderBy}
        LIMIT @limit;
        """;

    // The whole window at once: an in-process read under the single writer, where a second statement would cost more.
    public override int FirstClaimWindow(int slotsWanted, int window) => window;

    // Times are unix milliseconds and days whole days since the epoch (the times are never before it).
    public override string UtcDay(string parameter) => $"({parameter} / 86400000)";

    public override string LogHolder =>
        """
        SELECT state AS State, agent_id AS AgentId, attempt AS Attempt, cancel_requested AS CancelRequested,
               log_bytes AS LogBytes, log_cut_attempt AS LogCutAttempt
        FROM jobs WHERE id = @jobId AND tenant_id = @tenantId;
        """;

    public override string LogLinesInsert =>
        """
        INSERT OR IGNORE INTO job_logs (job_id, attempt, line, at, stream, text)
        VALUES (@jobId, @attempt, @Line, @at, @Stream, @Text);
        """;

    public override string LogBytesAdded =>
        """
        UPDATE jobs SET log_bytes = log_bytes + @stored, log_cut_attempt = CASE WHEN @sayCut THEN @attempt ELSE log_cut_attempt END
        WHERE id = @jobId;
        """;

    public override string LogUsageAdded =>
        """
        INSERT INTO log_usage (tenant_id, day, shard, bytes) VALUES (@tenantId, @day, @shard, @stored)
        ON CONFLICT (tenant_id, day, shard) DO UPDATE SET bytes = bytes + excluded.bytes;
        """;

    public override string JobEventsInsert =>
        "INSERT INTO job_events (job_id, at, type, attempt, agent_id, message) VALUES (@jobId, @atMs, @type, @attempt, @agentId, @message);";

    public override string AttemptStart =>
        """
        UPDATE jobs SET state = 'running', started_at = @now
        WHERE id = @JobId AND tenant_id = @TenantId AND state = 'assigned' AND agent_id = @AgentId AND attempt = @Attempt;
        """;

    public override string? CompletionJobsLocked => null;

    public override string AttemptCompletion =>
        """
        UPDATE jobs
        SET state = @newState, result = @result, exit_code = @ExitCode, error = @Error, lease_expires_at = NULL,
            agent_id = CASE WHEN @retry THEN NULL ELSE agent_id END,
            not_before = CASE WHEN @retry THEN @notBefore ELSE NULL END,
            finished_at = CASE WHEN @retry THEN NULL ELSE @now END
        WHERE id = @JobId AND tenant_id = @TenantId AND state = @fromState AND agent_id = @AgentId AND attempt = @Attempt;
        """;

    private const string ActiveStates = "('assigned', 'running')";

    public override string? AssignedToAgentCount => "SELECT COUNT(*) FROM jobs WHERE agent_id = @agentId AND state = 'assigned' AND tenant_id = @tenantId;";

    public override string ReleaseCandidates =>
        $"""
        SELECT {JobRow.Select} FROM jobs
        WHERE tenant_id = @tenantId AND agent_id = @agentId AND state = 'assigned' AND assigned_at < @before;
        """;

    public override string ReleaseAssignment =>
        """
        UPDATE jobs
        SET state = 'pending', attempt = attempt - 1, agent_id = NULL, assigned_at = NULL, lease_expires_at = NULL
        WHERE id = @Id AND tenant_id = @TenantId AND state = 'assigned' AND agent_id = @AgentId AND attempt = @Attempt;
        """;

    public override string ExpiredLeases =>
        $"SELECT {JobRow.Select} FROM jobs WHERE state IN {ActiveStates} AND lease_expires_at < @now ORDER BY lease_expires_at;";

    public override string LeaseExpiry =>
        """
        UPDATE jobs
        SET state = @newState, lease_expires_at = NULL, error = @reason,
            agent_id = CASE WHEN @newState = 'pending' THEN NULL ELSE agent_id END,
            not_before = @notBefore,
            finished_at = CASE WHEN @newState = 'pending' THEN NULL ELSE @now END
        WHERE id = @Id AND tenant_id = @TenantId AND state = @fromState AND agent_id = @AgentId AND attempt = @Attempt;
        """;

    // Under the write gate (which serialises every claim): the count first, so a tenant at its cap reads no more.
    public override string? ClaimActiveCount => $"SELECT COUNT(*) FROM jobs WHERE tenant_id = @tenantId AND state IN {ActiveStates};";

    public override string ClaimState =>
        $"""
        SELECT q.name AS Name, q.priority AS Priority, q.max_concurrency AS MaxConcurrency, q.paused AS Paused,
               (SELECT COUNT(*) FROM jobs a WHERE a.tenant_id = q.tenant_id AND a.queue = q.name AND a.state IN {ActiveStates}) AS Active,
               q.agent_groups AS AgentGroups, q.reserved_slots AS ReservedSlots, q.reserved_min_priority AS ReservedMinPriority
        FROM queues q WHERE q.tenant_id = @tenantId;
        SELECT agent_id AS AgentId, COUNT(*) AS Jobs, COALESCE(SUM(cpu_millicores), 0) AS CpuMillicores, COALESCE(SUM(memory_mb), 0) AS MemoryMb
        FROM jobs WHERE agent_id IN @agentIds AND state IN {ActiveStates} GROUP BY agent_id;
        """;

    public override string JobAssignment =>
        $"""
        UPDATE jobs
        SET state = 'assigned', attempt = attempt + 1, agent_id = @agentId, assigned_at = @now, started_at = NULL,
            lease_expires_at = @leaseExpiresAt, not_before = NULL, progress = NULL
        WHERE id = @Id AND tenant_id = @TenantId AND state = 'pending' AND attempt = @Attempt
        RETURNING {JobRow.Select};
        """;

    public override string JobsByIdempotencyKey =>
        $"SELECT {JobRow.Select} FROM jobs WHERE tenant_id = @TenantId AND idempotency_key = @IdempotencyKey;";

    public override string JobInsert =>
        $"""
        INSERT INTO jobs (id, tenant_id, package_name, package_version, package_sha256, state, attempt, max_attempts,
                          priority, timeout_seconds, requirements, inputs, idempotency_key, submitted_at, queue,
                          cpu_millicores, memory_mb)
        VALUES (@Id, @TenantId, @PackageName, @PackageVersion, @PackageSha256, 'pending', 0, @MaxAttempts,
                @Priority, @TimeoutSeconds, @Requirements, @Inputs, @IdempotencyKey, @now, @Queue,
                @CpuMillicores, @MemoryMb)
        RETURNING {JobRow.Select};
        """;
}
