using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Sqlite;

// Log lines, written in batches by the agent holding the attempt.
internal sealed partial class SqliteJobStore
{
    public override Task<LogAppendResult> AppendLogsAsync(
        string tenantId, string jobId, string agentId, int attempt, IReadOnlyList<NewLogLine> lines, LogLimit limit, CancellationToken cancellationToken) =>
        _database.WriteAsync(async (connection, transaction) =>
        {
            var job = await connection.QuerySingleOrDefaultAsync<HolderRow>(Sql.Command(
                """
                SELECT state AS State, agent_id AS AgentId, attempt AS Attempt, cancel_requested AS CancelRequested,
                       log_bytes AS LogBytes, log_cut_attempt AS LogCutAttempt
                FROM jobs WHERE id = @jobId AND tenant_id = @tenantId;
                """,
                new { tenantId, jobId }, transaction, cancellationToken));
            if (job is null) return new LogAppendResult(AttemptWriteResult.NotFound, false, false);
            if (!HoldsAttempt(job.State, job.AgentId, (int)job.Attempt, agentId, attempt)) return new LogAppendResult(AttemptWriteResult.Stale, false, false);

            var (accepted, cut) = limit.Fit(job.LogBytes, lines);
            long stored = 0;
            for (var i = 0; i < accepted; i++)
            {
                var line = lines[i];
                // A batch resent after a lost response is stored once: (job, attempt, line) is unique.
                var inserted = await connection.ExecuteAsync(Sql.Command(
                    """
                    INSERT OR IGNORE INTO job_logs (job_id, attempt, line, at, stream, text)
                    VALUES (@jobId, @attempt, @Line, @at, @Stream, @Text);
                    """,
                    new { jobId, attempt, line.Line, at = StoredTime.ToMs(line.At), line.Stream, line.Text }, transaction, cancellationToken));
                if (inserted == 1) stored += System.Text.Encoding.UTF8.GetByteCount(line.Text);
            }
            var sayCut = cut && job.LogCutAttempt < attempt;
            if (sayCut)
            {
                var first = lines[accepted];
                await connection.ExecuteAsync(Sql.Command(
                    """
                    INSERT OR IGNORE INTO job_logs (job_id, attempt, line, at, stream, text)
                    VALUES (@jobId, @attempt, @Line, @at, 'system', @note);
                    """,
                    new { jobId, attempt, first.Line, at = StoredTime.ToMs(first.At), note = limit.CutNote }, transaction, cancellationToken));
            }
            if (stored > 0 || sayCut)
            {
                await connection.ExecuteAsync(Sql.Command(
                    """
                    UPDATE jobs SET log_bytes = log_bytes + @stored, log_cut_attempt = CASE WHEN @sayCut THEN @attempt ELSE log_cut_attempt END
                    WHERE id = @jobId;
                    """,
                    new { jobId, stored, sayCut, attempt }, transaction, cancellationToken));
            }
            if (stored > 0)
            {
                await connection.ExecuteAsync(Sql.Command(
                    """
                    INSERT INTO log_usage (tenant_id, day, shard, bytes) VALUES (@tenantId, @day, @shard, @stored)
                    ON CONFLICT (tenant_id, day, shard) DO UPDATE SET bytes = bytes + excluded.bytes;
                    """,
                    new { tenantId, day = DayOf(Clock.GetUtcNow()), shard = LogUsageShards.Of(jobId), stored }, transaction, cancellationToken));
            }
            var full = cut || job.LogBytes + stored >= limit.MaxBytes;
            return new LogAppendResult(AttemptWriteResult.Ok, job.CancelRequested != 0, full);
        }, cancellationToken);

    private static long DayOf(DateTimeOffset at) => (long)Math.Floor(at.ToUnixTimeMilliseconds() / 86_400_000d);

    private sealed class HolderRow
    {
        public string State { get; set; } = "";
        public string? AgentId { get; set; }
        public long Attempt { get; set; }
        public long CancelRequested { get; set; }
        public long LogBytes { get; set; }
        public long LogCutAttempt { get; set; }
    }
}
