using System.Globalization;
using System.Text;
using Baton.Core.Jobs;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Relational;

/// <summary>
/// Jobs, written once: submissions (<c>JobStore.Submit.cs</c>), reads, pages, counts and the operators' changes (priority,
/// cancellation: <c>JobStore.Changes.cs</c>), log appends and the log and event reads (<c>JobStore.Logs.cs</c>), an attempt's
/// start and completion and its rules (<c>JobStore.Attempts.cs</c>), the claim's flow and decisions (<c>JobStore.Claims.cs</c>)
/// and taking jobs back (releases, lease expiry: <c>JobStore.Leases.cs</c>). The busy paths' statements are tuned per engine
/// and stay the dialect's, the way Quartz.NET's <c>PostgreSQLDelegate</c> overrides a few statements of <c>StdAdoDelegate</c>
/// (<see cref="JobSql"/>). Every batch is written set-based, one statement over lists of values, on both backends; the C#
/// around those statements is the same.
/// </summary>
internal sealed partial class JobStore(IStoreDatabase database, TimeProvider time, RetryPolicy retryPolicy) : IJobStore
{
    private const int MaxPageSize = 500;

    public async Task<(JobRecord Job, bool Created)> SubmitAsync(NewJob job, CancellationToken cancellationToken) =>
        (await SubmitManyAsync([job], cancellationToken))[0];

    public async Task<IReadOnlyList<JobRecord>> ClaimAsync(JobClaimRequest request, CancellationToken cancellationToken) =>
        request.MaxJobs <= 0 ? [] : (await ClaimManyAsync(request.TenantId, [request], cancellationToken)).Jobs[0];

    public async Task<AttemptWriteResult> MarkStartedAsync(string tenantId, string jobId, string agentId, int attempt, CancellationToken cancellationToken) =>
        (await MarkStartedManyAsync([new AttemptStart(tenantId, jobId, agentId, attempt)], cancellationToken))[0];

    public async Task<(AttemptWriteResult Result, JobRecord? Job)> CompleteAttemptAsync(AttemptCompletion completion, CancellationToken cancellationToken) =>
        (await CompleteAttemptsAsync([completion], cancellationToken))[0];

    public Task<JobRecord?> GetAsync(string tenantId, string jobId, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => LoadAsync(session, tenantId, jobId, lockRow: false), cancellationToken);

    public Task<JobPage> ListAsync(string tenantId, JobQuery query, CancellationToken cancellationToken)
    {
        JobListCursor? after = query.Cursor is null ? null
            : JobListCursor.TryDecode(query.Cursor, out var decoded) ? decoded : throw new ArgumentException("The cursor is not valid.", nameof(query));
        var limit = Math.Clamp(query.Limit, 1, MaxPageSize);

        var sql = new StringBuilder($"SELECT {database.Dialect.Jobs.ListSelect} FROM jobs WHERE tenant_id = @tenantId");
        var parameters = new DynamicParameters(new { tenantId });
        void Where(string condition, object parameterValues)
        {
            sql.Append(" AND ").Append(condition);
            parameters.AddDynamicParams(parameterValues);
        }
        if (query.State is { } state) Where("state = @state", new { state = state.ToText() });
        if (query.PackageName is { } packageName) Where("package_name = @packageName", new { packageName });
        if (query.Queue is { } queue) Where("queue = @queue", new { queue });
        if (query.Since is { } since) Where("submitted_at >= @since", new { since });
        // A row-value comparison: both planners walk the (tenant, submitted_at, id) index from the cursor on.
        if (after is { } cursor)
        {
            Where("(submitted_at, id) < (@afterAt, @afterId)", new { afterAt = DateTimeOffset.FromUnixTimeMilliseconds(cursor.SubmittedAtMs), afterId = cursor.JobId });
        }
        sql.Append(CultureInfo.InvariantCulture, $" ORDER BY submitted_at DESC, id DESC LIMIT {limit + 1};");

        // A listing is a search: it may read from the replica.
        return database.ReadListAsync(tenantId, async session =>
        {
            var jobs = (await session.QueryAsync<JobRecord>(sql.ToString(), parameters)).ToList();
            var items = jobs.Take(limit).ToList();
            var next = jobs.Count > limit
                ? new JobListCursor(jobs[limit - 1].SubmittedAt.ToUnixTimeMilliseconds(), jobs[limit - 1].Id).Encode()
                : null;
            return new JobPage(items, next);
        }, cancellationToken);
    }

    public Task<int> CountActiveAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => session.ScalarAsync<int>(
            $"SELECT CAST(COUNT(*) AS integer) FROM jobs WHERE tenant_id = @tenantId AND state IN {JobRow.ActiveStates};", new { tenantId }),
            cancellationToken);

    public Task<int> CountPendingAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => session.ScalarAsync<int>(
            "SELECT CAST(COUNT(*) AS integer) FROM jobs WHERE tenant_id = @tenantId AND state = 'pending';", new { tenantId }),
            cancellationToken);

    /// <summary>One job of the tenant; with <paramref name="lockRow"/>, locked until the write ends (a claim waits for the decision).</summary>
    private static Task<JobRecord?> LoadAsync(StoreSession session, string tenantId, string jobId, bool lockRow) =>
        session.QuerySingleOrDefaultAsync<JobRecord>(
            $"SELECT {JobRow.Select} FROM jobs WHERE id = @jobId AND tenant_id = @tenantId{(lockRow ? session.Dialect.Jobs.ForUpdate : "")};", new { tenantId, jobId });

    /// <summary>"Now" from the injected clock, in whole milliseconds (what both backends keep).</summary>
    private DateTimeOffset Now() => StoredValues.Truncate(time.GetUtcNow());

    /// <summary>One row of <c>job_events</c> to record.</summary>
    private sealed record NewEvent(string TenantId, string JobId, string Type, int Attempt, string? AgentId, string? Message);
}
