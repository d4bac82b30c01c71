using System.Text;
using Baton.Storage.Model;

namespace Baton.Storage.Relational;

// Log lines, written in batches by the agent holding the attempt; reading a job's log lines and event timeline, and a
// tenant's stored log bytes (its log quota).
internal sealed partial class JobStore
{
    /// <summary>The API's largest page (10,000 lines) and one more line, which tells a reader whether another page follows.</summary>
    private const int MaxLogReadLimit = 10_001;

    /// <summary>
    /// Stores the lines that fit the job's log limit, once each: a batch resent after a lost response is stored once, since
    /// (job, attempt, line) is unique; the first copy of a line within a batch wins. When the limit cuts the batch, the
    /// attempt's one note of it is stored in the first refused line's place. The job's row is read first (locked where
    /// writers run at once), so the duplicate check and the byte count are exact and a completion or expiry of this
    /// attempt waits until these lines are in.
    /// </summary>
    public Task<LogAppendResult> AppendLogsAsync(
        string tenantId, string jobId, string agentId, int attempt, IReadOnlyList<NewLogLine> lines, LogLimit limit, CancellationToken cancellationToken) =>
        database.WriteAsync(tenantId, async session =>
        {
            var sql = session.Dialect.Jobs;
            var job = await session.QuerySingleOrDefaultAsync<LogHolderRow>(sql.LogHolder, new { tenantId, jobId });
            if (job is null) return new LogAppendResult(AttemptWriteResult.NotFound, false, false);
            if (!HoldsAttempt(job.State, job.AgentId, job.Attempt, agentId, attempt)) return new LogAppendResult(AttemptWriteResult.Stale, false, false);
            if (lines.Count == 0) return new LogAppendResult(AttemptWriteResult.Ok, job.CancelRequested, job.LogBytes >= limit.MaxBytes);

            var (accepted, cut) = limit.Fit(job.LogBytes, lines);
            var sayCut = cut && job.LogCutAttempt < attempt;
            var batch = lines.Take(accepted).ToList();
            if (sayCut) batch.Add(lines[accepted] with { Stream = "system", Text = limit.CutNote });
            var stored = batch.Count == 0 ? 0 : await InsertLogLinesAsync(session, tenantId, jobId, attempt, batch, accepted);
            if (stored > 0 || sayCut)
            {
                await session.ExecuteAsync(sql.LogBytesAdded, new { tenantId, jobId, stored, sayCut, attempt });
            }
            if (stored > 0)
            {
                await session.ExecuteAsync(sql.LogUsageAdded, new { tenantId, now = time.GetUtcNow(), shard = (short)LogUsageShards.Of(jobId), stored });
            }
            return new LogAppendResult(AttemptWriteResult.Ok, job.CancelRequested, cut || job.LogBytes + stored >= limit.MaxBytes);
        }, cancellationToken);

    /// <summary>
    /// Inserts <paramref name="batch"/>'s lines (those already stored skipped) and answers the bytes of the first
    /// <paramref name="counted"/> that it stored (the cut note after them does not count): one statement for the batch that
    /// returns the line numbers it stored.
    /// </summary>
    private static async Task<long> InsertLogLinesAsync(StoreSession session, string tenantId, string jobId, int attempt, List<NewLogLine> batch, int counted)
    {
        var lineNumbers = (await session.QueryAsync<long>(session.Dialect.Jobs.LogLinesInsert, new
        {
            tenantId,
            jobId,
            attempt,
            lineNumbers = ValueList.Of(batch.Select(line => line.Line)),
            ats = ValueList.Of(batch.Select(line => line.At)),
            streams = ValueList.Of(batch.Select(line => line.Stream)),
            texts = ValueList.Of(batch.Select(line => line.Text)),
        })).ToHashSet();
        return batch.Take(counted).Where(line => lineNumbers.Contains(line.Line)).Sum(line => (long)Encoding.UTF8.GetByteCount(line.Text));
    }

    public Task<long> GetLogBytesAsync(string tenantId, DateTimeOffset since, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => session.ScalarAsync<long>(
            $"SELECT CAST(COALESCE(SUM(bytes), 0) AS bigint) FROM log_usage WHERE tenant_id = @tenantId AND day >= {session.Dialect.Jobs.UtcDay("@since")};",
            new { tenantId, since }), cancellationToken);

    public Task<IReadOnlyList<LogLineRecord>> ReadLogsAsync(string tenantId, string jobId, long afterSeq, int limit, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => session.ListAsync<LogLineRecord>(
            session.Dialect.Jobs.LogPage, new { tenantId, jobId, afterSeq, limit = Math.Clamp(limit, 1, MaxLogReadLimit) }), cancellationToken);

    public Task<IReadOnlyList<JobEventRecord>> ListEventsAsync(string tenantId, string jobId, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => session.ListAsync<JobEventRecord>(session.Dialect.Jobs.EventList, new { tenantId, jobId }), cancellationToken);

    private sealed record LogHolderRow(string State, string? AgentId, int Attempt, bool CancelRequested, long LogBytes, int LogCutAttempt);
}
