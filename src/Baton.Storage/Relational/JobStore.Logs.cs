using Baton.Storage.Model;

namespace Baton.Storage.Relational;

// Reading a job's log lines and event timeline, and a tenant's stored log bytes (its log quota).
internal abstract partial class JobStore
{
    private const int MaxLogReadLimit = 10_000;

    public Task<long> GetLogBytesAsync(string tenantId, DateTimeOffset since, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => session.ScalarAsync<long>(
            $"SELECT CAST(COALESCE(SUM(bytes), 0) AS bigint) FROM log_usage WHERE tenant_id = @tenantId AND day >= {session.Dialect.Jobs.UtcDay("@since")};",
            new { tenantId, since }), cancellationToken);

    public Task<IReadOnlyList<LogLineRecord>> ReadLogsAsync(string tenantId, string jobId, long afterSeq, int limit, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<LogLineRecord>>(tenantId, async session =>
        {
            var rows = await session.QueryAsync<LogRow>(
                session.Dialect.Jobs.LogPage, new { tenantId, jobId, afterSeq, limit = Math.Clamp(limit, 1, MaxLogReadLimit) });
            return rows.Select(row => new LogLineRecord(row.Seq, row.Attempt, row.At, row.Stream, row.Text)).ToList();
        }, cancellationToken);

    public Task<IReadOnlyList<JobEventRecord>> ListEventsAsync(string tenantId, string jobId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<JobEventRecord>>(tenantId, async session =>
        {
            var rows = await session.QueryAsync<EventRow>(session.Dialect.Jobs.EventList, new { tenantId, jobId });
            return rows.Select(row => new JobEventRecord(row.Id, row.JobId, row.At, row.Type, row.Attempt, row.AgentId, row.Message)).ToList();
        }, cancellationToken);

    private sealed class LogRow
    {
        public long Seq { get; set; }
        public int Attempt { get; set; }
        public DateTimeOffset At { get; set; }
        public string Stream { get; set; } = "";
        public string Text { get; set; } = "";
    }

    private sealed class EventRow
    {
        public long Id { get; set; }
        public string JobId { get; set; } = "";
        public DateTimeOffset At { get; set; }
        public string Type { get; set; } = "";
        public int Attempt { get; set; }
        public string? AgentId { get; set; }
        public string? Message { get; set; }
    }
}
