using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Sqlite;

// Log lines (written in batches by the agent holding the attempt) and the job's event timeline.
internal sealed partial class SqliteJobStore
{
    private const int MaxLogReadLimit = 10_000;

    public Task<(AttemptWriteResult Result, bool CancelRequested)> AppendLogsAsync(
        string tenantId, string jobId, string agentId, int attempt, IReadOnlyList<NewLogLine> lines, CancellationToken cancellationToken) =>
        database.WriteAsync<(AttemptWriteResult, bool)>(async (connection, transaction) =>
        {
            var job = await connection.QuerySingleOrDefaultAsync<HolderRow>(Sql.Command(
                "SELECT state AS State, agent_id AS AgentId, attempt AS Attempt, cancel_requested AS CancelRequested FROM jobs WHERE id = @jobId AND tenant_id = @tenantId;",
                new { tenantId, jobId }, transaction, cancellationToken));
            if (job is null) return (AttemptWriteResult.NotFound, false);
            var active = job.State is "assigned" or "running";
            if (!active || job.AgentId != agentId || job.Attempt != attempt) return (AttemptWriteResult.Stale, false);

            foreach (var line in lines)
            {
                // A batch resent after a lost response is stored once: (job, attempt, line) is unique.
                await connection.ExecuteAsync(Sql.Command(
                    """
                    INSERT OR IGNORE INTO job_logs (job_id, attempt, line, at, stream, text)
                    VALUES (@jobId, @attempt, @Line, @at, @Stream, @Text);
                    """,
                    new { jobId, attempt, line.Line, at = StoredTime.ToMs(line.At), line.Stream, line.Text }, transaction, cancellationToken));
            }
            return (AttemptWriteResult.Ok, job.CancelRequested != 0);
        }, cancellationToken);

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
