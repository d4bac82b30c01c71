using Baton.Storage.Model;
using Dapper;

namespace Baton.Storage.Postgres;

// Log lines, written in batches by the agent holding the attempt.
internal sealed partial class PostgresJobStore
{
    public override Task<LogAppendResult> AppendLogsAsync(
        string tenantId, string jobId, string agentId, int attempt, IReadOnlyList<NewLogLine> lines, LogLimit limit, CancellationToken cancellationToken) =>
        _database.InTenantAsync(tenantId, async (connection, transaction) =>
        {
            // The job row lock orders batches of one job (so the duplicate check and the byte count below are exact)
            // and makes a completion or expiry of this attempt wait until these lines are in.
            var job = await connection.QuerySingleOrDefaultAsync<HolderRow>(PgSql.Command(
                """
                SELECT state AS State, agent_id AS AgentId, attempt AS Attempt, cancel_requested AS CancelRequested,
                       log_bytes AS LogBytes, log_cut_attempt AS LogCutAttempt
                FROM jobs WHERE id = @jobId AND tenant_id = @tenantId FOR UPDATE;
                """,
                new { tenantId, jobId }, transaction, cancellationToken));
            if (job is null) return new LogAppendResult(AttemptWriteResult.NotFound, false, false);
            if (!HoldsAttempt(job.State, job.AgentId, job.Attempt, agentId, attempt)) return new LogAppendResult(AttemptWriteResult.Stale, false, false);
            if (lines.Count == 0) return new LogAppendResult(AttemptWriteResult.Ok, job.CancelRequested, job.LogBytes >= limit.MaxBytes);

            var (accepted, cut) = limit.Fit(job.LogBytes, lines);
            var sayCut = cut && job.LogCutAttempt < attempt;
            var batch = lines.Take(accepted).ToList();
            if (sayCut) batch.Add(lines[accepted] with { Stream = "system", Text = limit.CutNote });
            // One statement for the batch; a line already stored for (job, attempt) is skipped, so a batch resent
            // after a lost response is stored once (the first copy of a line within a batch wins). The lines it
            // stored come back, so only their bytes count.
            var inserted = batch.Count == 0 ? [] : (await connection.QueryAsync<long>(PgSql.Command(
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
                """,
                new
                {
                    tenantId,
                    jobId,
                    attempt,
                    lineNumbers = batch.Select(line => line.Line).ToArray(),
                    ats = batch.Select(line => PgTime.ToDbUtc(line.At)).ToArray(),
                    streams = batch.Select(line => line.Stream).ToArray(),
                    texts = batch.Select(line => line.Text).ToArray(),
                },
                transaction, cancellationToken))).ToHashSet();
            var stored = lines.Take(accepted).Where(line => inserted.Contains(line.Line)).Sum(line => (long)System.Text.Encoding.UTF8.GetByteCount(line.Text));
            if (stored > 0 || sayCut)
            {
                await connection.ExecuteAsync(PgSql.Command(
                    """
                    UPDATE jobs SET log_bytes = log_bytes + @stored, log_cut_attempt = CASE WHEN @sayCut THEN @attempt ELSE log_cut_attempt END
                    WHERE id = @jobId AND tenant_id = @tenantId;
                    """,
                    new { tenantId, jobId, stored, sayCut, attempt }, transaction, cancellationToken));
            }
            if (stored > 0)
            {
                await connection.ExecuteAsync(PgSql.Command(
                    """
                    INSERT INTO log_usage (tenant_id, day, shard, bytes)
                    VALUES (@tenantId, (@now::timestamptz AT TIME ZONE 'UTC')::date, @shard, @stored)
                    ON CONFLICT (tenant_id, day, shard) DO UPDATE SET bytes = log_usage.bytes + excluded.bytes;
                    """,
                    new { tenantId, now = PgTime.ToDbUtc(Clock.GetUtcNow()), shard = (short)LogUsageShards.Of(jobId), stored }, transaction, cancellationToken));
            }
            return new LogAppendResult(AttemptWriteResult.Ok, job.CancelRequested, cut || job.LogBytes + stored >= limit.MaxBytes);
        }, cancellationToken);

    private sealed class HolderRow
    {
        public string State { get; set; } = "";
        public string? AgentId { get; set; }
        public int Attempt { get; set; }
        public bool CancelRequested { get; set; }
        public long LogBytes { get; set; }
        public int LogCutAttempt { get; set; }
    }
}
