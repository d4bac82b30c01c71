using Baton.Storage.Relational;

namespace Baton.Storage.Postgres;

/// <summary>PostgreSQL's side of <see cref="JobSql"/>.</summary>
internal sealed class PostgresJobSql : JobSql
{
    public static PostgresJobSql Instance { get; } = new();

    public override string LogPage =>
        """
        SELECT seq AS Seq, attempt AS Attempt, at AS At, stream AS Stream, text AS Text
        FROM job_logs
        WHERE job_id = @jobId AND tenant_id = @tenantId AND seq > @afterSeq
        ORDER BY seq
        LIMIT @limit;
        """;

    public override string EventList =>
        """
        SELECT id AS Id, job_id AS JobId, at AS At, type AS Type, attempt AS Attempt, agent_id AS AgentId, message AS Message
        FROM job_events
        WHERE job_id = @jobId AND tenant_id = @tenantId
        ORDER BY id;
        """;

    /// <summary>Candidates a claim reads first (at least; eight per free slot when more).</summary>
    private const int SmallCandidateWindow = 32;

    public override string ClaimCandidates(string orderBy) =>
        $"""
        SELECT {JobRow.Select} FROM jobs
        WHERE tenant_id = @tenantId AND state = 'pending' AND (not_before IS NULL OR not_before <= @now) AND queue <> ALL(@blocked)
        ORDER BY {orderBy}
        LIMIT @limit;
        """;

    // A small window first: most claims are filled from the first rows of the ready index.
    public override int FirstClaimWindow(int slotsWanted, int window) => Math.Min(window, Math.Max(SmallCandidateWindow, slotsWanted * 8));

    public override string UtcDay(string parameter) => $"({parameter}::timestamptz AT TIME ZONE 'UTC')::date";

    public override string LogHolder =>
        """
        SELECT state AS State, agent_id AS AgentId, attempt AS Attempt, cancel_requested AS CancelRequested,
               log_bytes AS LogBytes, log_cut_attempt AS LogCutAttempt
        FROM jobs WHERE id = @jobId AND tenant_id = @tenantId FOR UPDATE;
        """;

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

    public override string LogBytesAdded =>
        """
        UPDATE jobs SET log_bytes = log_bytes + @stored, log_cut_attempt = CASE WHEN @sayCut THEN @attempt ELSE log_cut_attempt END
        WHERE id = @jobId AND tenant_id = @tenantId;
        """;

    public override string LogUsageAdded =>
        """
        INSERT INTO log_usage (tenant_id, day, shard, bytes)
        VALUES (@tenantId, (@now::timestamptz AT TIME ZONE 'UTC')::date, @shard, @stored)
        ON CONFLICT (tenant_id, day, shard) DO UPDATE SET bytes = log_usage.bytes + excluded.bytes;
        """;
}
