using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Sqlite;

// Log lines (written in batches by the agent holding the attempt) and the job's event timeline.
internal sealed partial class SqliteJobStore
{
    private const int MaxLogReadLimit = 10_000;

    public Task<LogAppendResult> AppendLogsAsync(
        string tenantId, string jobId, string agentId, int attempt, IReadOnlyList<NewLogLine> lines, LogLimit limit, CancellationToken cancellationToken) =>
        database.WriteAsync(async (connection, transaction) =>
        {
            var job = await connection.QuerySingleOrDefaultAsync<HolderRow>(Sql.Command(
                """
                SELECT state AS State, agent_id AS AgentId, attempt AS Attempt, cancel_requested AS CancelRequested,
                       log_bytes AS LogBytes, log_cut_attempt AS LogCutAttempt
                FROM jobs WHERE id = @jobId AND tenant_id = @tenantId;
                """,
                new { tenantId, jobId }, transaction, cancellationToken));
            if (job is null) return new LogAppendResult(AttemptWriteResult.NotFound, false, false);
            var active = job.State is "assigned" or "running";
            if (!active || job.AgentId != agentId || job.Attempt != attempt) return new LogAppendResult(AttemptWriteResult.Stale, false, false);

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
                    new { tenantId, day = DayOf(time.GetUtcNow()), shard = LogUsageShards.Of(jobId), stored }, transaction, cancellationToken));
            }
            var full = cut || job.LogBytes + stored >= limit.MaxBytes;
            return new LogAppendResult(AttemptWriteResult.Ok, job.CancelRequested != 0, full);
        }, cancellationToken);

    public Task<long> GetLogBytesAsync(string tenantId, DateTimeOffset since, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => connection.ExecuteScalarAsync<long>(Sql.Command(
            "SELECT COALESCE(SUM(bytes), 0) FROM log_usage WHERE tenant_id = @tenantId AND day >= @day;",
            new { tenantId, day = DayOf(since) }, cancellationToken)), cancellationToken);

    private static long DayOf(DateTimeOffset at) => (long)Math.Floor(at.ToUnixTimeMilliseconds() / 86_400_000d);

    public Task<IReadOnlyList<LogLineRecord>> ReadLogsAsync(string tenantId, string jobId, long afterSeq, int limit, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<LogLineRecord>>(async connection =>
        {
            var rows = await connection.QueryAsync<LogRow>(Sql.Command(
                """
                SELECT l.seq AS Seq, l.attempt AS Attempt, l.at AS At, l.stream AS Stream, l.text AS Text
                FROM job_logs l JOIN jobs j ON j.id = l.job_id
                WHERE l.job_id = @jobId AND j.tenant_id = @tenantId AND l.seq > @afterSeq
                ORDER BY l.seq
                LIMIT @limit;
                """,
                new { tenantId, jobId, afterSeq, limit = Math.Clamp(limit, 1, MaxLogReadLimit) }, cancellationToken));
            return rows.Select(row => new LogLineRecord(row.Seq, (int)row.Attempt, StoredTime.FromMs(row.At), row.Stream, row.Text)).ToList();
        }, cancellationToken);

    public Task<IReadOnlyList<JobEventRecord>> ListEventsAsync(string tenantId, string jobId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<JobEventRecord>>(async connection =>
        {
            var rows = await connection.QueryAsync<EventRow>(Sql.Command(
                """
                SELECT e.id AS Id, e.job_id AS JobId, e.at AS At, e.type AS Type, e.attempt AS Attempt, e.agent_id AS AgentId, e.message AS Message
                FROM job_events e JOIN jobs j ON j.id = e.job_id
                WHERE e.job_id = @jobId AND j.tenant_id = @tenantId
                ORDER BY e.id;
                """,
                new { tenantId, jobId }, cancellationToken));
            return rows.Select(row => new JobEventRecord(row.Id, row.JobId, StoredTime.FromMs(row.At), row.Type, (int)row.Attempt, row.AgentId, row.Message)).ToList();
        }, cancellationToken);

    private sealed class HolderRow
    {
        public string State { get; set; } = "";
        public string? AgentId { get; set; }
        public long Attempt { get; set; }
        public long CancelRequested { get; set; }
        public long LogBytes { get; set; }
        public long LogCutAttempt { get; set; }
    }

    private sealed class LogRow
    {
        public long Seq { get; set; }
        public long Attempt { get; set; }
        public long At { get; set; }
        public string Stream { get; set; } = "";
        public string Text { get; set; } = "";
    }

    private sealed class EventRow
    {
        public long Id { get; set; }
        public string JobId { get; set; } = "";
        public long At { get; set; }
        public string Type { get; set; } = "";
        public long Attempt { get; set; }
        public string? AgentId { get; set; }
        public string? Message { get; set; }
    }
}
