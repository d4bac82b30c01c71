using Baton.Storage.Model;
using Dapper;

namespace Baton.Storage.Postgres;

// Log lines (written in batches by the agent holding the attempt) and the job's event timeline.
internal sealed partial class PostgresJobStore
{
    private const int MaxLogReadLimit = 10_000;

    public Task<(AttemptWriteResult Result, bool CancelRequested)> AppendLogsAsync(
        string tenantId, string jobId, string agentId, int attempt, IReadOnlyList<NewLogLine> lines, CancellationToken cancellationToken) =>
        database.InTenantAsync<(AttemptWriteResult, bool)>(tenantId, async (connection, transaction) =>
        {
            // The job row lock orders batches of one job (so the duplicate check below is exact) and makes a
            // completion or expiry of this attempt wait until these lines are in.
            var job = await connection.QuerySingleOrDefaultAsync<HolderRow>(PgSql.Command(
                """
                SELECT state AS State, agent_id AS AgentId, attempt AS Attempt, cancel_requested AS CancelRequested
                FROM jobs WHERE id = @jobId AND tenant_id = @tenantId FOR UPDATE;
                """,
                new { tenantId, jobId }, transaction, cancellationToken));
            if (job is null) return (AttemptWriteResult.NotFound, false);
            var active = job.State is "assigned" or "running";
            if (!active || job.AgentId != agentId || job.Attempt != attempt) return (AttemptWriteResult.Stale, false);
            if (lines.Count == 0) return (AttemptWriteResult.Ok, job.CancelRequested);

            // One statement for the batch; a line already stored for (job, attempt) is skipped, so a batch
            // resent after a lost response is stored once (the first copy of a line within a batch wins).
            await connection.ExecuteAsync(PgSql.Command(
                """
                INSERT INTO job_logs (tenant_id, job_id, attempt, line, at, stream, text)
                SELECT @tenantId, @jobId, @attempt, l.line, l.at, l.stream, l.text
                FROM (
                    SELECT DISTINCT ON (u.line) u.*
                    FROM unnest(@lineNumbers::bigint[], @ats::timestamptz[], @streams::text[], @texts::text[]) WITH ORDINALITY AS u(line, at, stream, text, ord)
                    ORDER BY u.line, u.ord
                ) AS l
                WHERE NOT EXISTS (SELECT 1 FROM job_logs x WHERE x.job_id = @jobId AND x.attempt = @attempt AND x.line = l.line)
                ORDER BY l.ord;
                """,
                new
                {
                    tenantId,
                    jobId,
                    attempt,
                    lineNumbers = lines.Select(line => line.Line).ToArray(),
                    ats = lines.Select(line => PgTime.ToDbUtc(line.At)).ToArray(),
                    streams = lines.Select(line => line.Stream).ToArray(),
                    texts = lines.Select(line => line.Text).ToArray(),
                },
                transaction, cancellationToken));
            return (AttemptWriteResult.Ok, job.CancelRequested);
        }, cancellationToken);

    public Task<IReadOnlyList<LogLineRecord>> ReadLogsAsync(string tenantId, string jobId, long afterSeq, int limit, CancellationToken cancellationToken) =>
        database.InTenantAsync<IReadOnlyList<LogLineRecord>>(tenantId, async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync<LogRow>(PgSql.Command(
                """
                SELECT seq AS Seq, attempt AS Attempt, at AS At, stream AS Stream, text AS Text
                FROM job_logs
                WHERE job_id = @jobId AND tenant_id = @tenantId AND seq > @afterSeq
                ORDER BY seq
                LIMIT @limit;
                """,
                new { tenantId, jobId, afterSeq, limit = Math.Clamp(limit, 1, MaxLogReadLimit) }, transaction, cancellationToken));
            return rows.Select(row => new LogLineRecord(row.Seq, row.Attempt, PgTime.FromDb(row.At), row.Stream, row.Text)).ToList();
        }, cancellationToken);

    public Task<IReadOnlyList<JobEventRecord>> ListEventsAsync(string tenantId, string jobId, CancellationToken cancellationToken) =>
        database.InTenantAsync<IReadOnlyList<JobEventRecord>>(tenantId, async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync<EventRow>(PgSql.Command(
                """
                SELECT id AS Id, job_id AS JobId, at AS At, type AS Type, attempt AS Attempt, agent_id AS AgentId, message AS Message
                FROM job_events
                WHERE job_id = @jobId AND tenant_id = @tenantId
                ORDER BY id;
                """,
                new { tenantId, jobId }, transaction, cancellationToken));
            return rows.Select(row => new JobEventRecord(row.Id, row.JobId, PgTime.FromDb(row.At), row.Type, row.Attempt, row.AgentId, row.Message)).ToList();
        }, cancellationToken);

    private sealed class HolderRow
    {
        public string State { get; set; } = "";
        public string? AgentId { get; set; }
        public int Attempt { get; set; }
        public bool CancelRequested { get; set; }
    }

    private sealed class LogRow
    {
        public long Seq { get; set; }
        public int Attempt { get; set; }
        public DateTime At { get; set; }
        public string Stream { get; set; } = "";
        public string Text { get; set; } = "";
    }

    private sealed class EventRow
    {
        public long Id { get; set; }
        public string JobId { get; set; } = "";
        public DateTime At { get; set; }
        public string Type { get; set; } = "";
        public int Attempt { get; set; }
        public string? AgentId { get; set; }
        public string? Message { get; set; }
    }
}
