using System.Globalization;
using System.Text;
using Baton.Core.Jobs;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Baton.Storage.Sqlite;

/// <summary>
/// Jobs on SQLite. This file: submission and queries; the other parts hold claims and leases
/// (<c>SqliteJobStore.Claims.cs</c>), agent attempt writes and cancellation
/// (<c>SqliteJobStore.Attempts.cs</c>), and logs and events (<c>SqliteJobStore.Logs.cs</c>).
/// </summary>
internal sealed partial class SqliteJobStore(SqliteDatabase database, TimeProvider time, RetryPolicy retryPolicy) : IJobStore
{
    private const string ActiveStates = "('assigned', 'running')";
    private const int MaxPageSize = 500;

    public async Task<(JobRecord Job, bool Created)> SubmitAsync(NewJob job, CancellationToken cancellationToken) =>
        (await SubmitManyAsync([job], cancellationToken))[0];

    /// <summary>One write transaction for the whole batch (one commit, one WAL sync): each job found by its idempotency key or inserted.</summary>
    public Task<IReadOnlyList<(JobRecord Job, bool Created)>> SubmitManyAsync(IReadOnlyList<NewJob> jobs, CancellationToken cancellationToken)
    {
        var batch = new SubmissionBatch(jobs);
        if (jobs.Count == 0) return Task.FromResult<IReadOnlyList<(JobRecord, bool)>>([]);
        return database.WriteAsync<IReadOnlyList<(JobRecord, bool)>>(async (connection, transaction) =>
        {
            var now = NowMs();
            var answers = new List<(JobRecord, bool)>(batch.Unique.Count);
            foreach (var job in batch.Unique)
            {
                if (job.IdempotencyKey is not null)
                {
                    var existing = await connection.QuerySingleOrDefaultAsync<Relational.JobRow>(Sql.Command(
                        $"SELECT {Relational.JobRow.Select} FROM jobs WHERE tenant_id = @TenantId AND idempotency_key = @IdempotencyKey;",
                        new { job.TenantId, job.IdempotencyKey }, transaction, cancellationToken));
                    if (existing is not null)
                    {
                        answers.Add((existing.ToRecord(), false));
                        continue;
                    }
                }

                var created = await connection.QuerySingleAsync<Relational.JobRow>(Sql.Command(
                    $"""
                    INSERT INTO jobs (id, tenant_id, package_name, package_version, package_sha256, state, attempt, max_attempts,
                                      priority, timeout_seconds, requirements, inputs, idempotency_key, submitted_at, queue,
                                      cpu_millicores, memory_mb)
                    VALUES (@Id, @TenantId, @PackageName, @PackageVersion, @PackageSha256, 'pending', 0, @MaxAttempts,
                            @Priority, @TimeoutSeconds, @Requirements, @Inputs, @IdempotencyKey, @now, @Queue,
                            @CpuMillicores, @MemoryMb)
                    RETURNING {Relational.JobRow.Select};
                    """,
                    new
                    {
                        job.Id,
                        job.TenantId,
                        job.PackageName,
                        job.PackageVersion,
                        job.PackageSha256,
                        job.MaxAttempts,
                        job.Priority,
                        job.TimeoutSeconds,
                        Requirements = StoredJson.Serialize(job.Requirements),
                        Inputs = StoredJson.ToText(job.Inputs),
                        job.IdempotencyKey,
                        job.Queue,
                        job.CpuMillicores,
                        job.MemoryMb,
                        now,
                    },
                    transaction, cancellationToken));
                await InsertEventAsync(connection, transaction, job.Id, now, JobEventTypes.Submitted, 0, null, null, cancellationToken);
                answers.Add((created.ToRecord(), true));
            }
            return batch.Answer(answers);
        }, cancellationToken);
    }

    public Task<JobRecord?> GetAsync(string tenantId, string jobId, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => LoadAsync(connection, null, tenantId, jobId, cancellationToken), cancellationToken);

    public Task<JobPage> ListAsync(string tenantId, JobQuery query, CancellationToken cancellationToken)
    {
        JobListCursor? after = null;
        if (query.Cursor is not null)
        {
            if (!JobListCursor.TryDecode(query.Cursor, out var decoded)) throw new ArgumentException("The cursor is not valid.", nameof(query));
            after = decoded;
        }
        var limit = Math.Clamp(query.Limit, 1, MaxPageSize);

        var sql = new StringBuilder($"SELECT {Relational.JobRow.ListSelect(SqliteDialect.Instance)} FROM jobs WHERE tenant_id = @tenantId");
        var parameters = new DynamicParameters();
        parameters.Add("tenantId", tenantId);
        if (query.State is { } state)
        {
            sql.Append(" AND state = @state");
            parameters.Add("state", state.ToText());
        }
        if (query.PackageName is not null)
        {
            sql.Append(" AND package_name = @packageName");
            parameters.Add("packageName", query.PackageName);
        }
        if (query.Queue is not null)
        {
            sql.Append(" AND queue = @queue");
            parameters.Add("queue", query.Queue);
        }
        if (query.Since is { } since)
        {
            sql.Append(" AND submitted_at >= @since");
            parameters.Add("since", StoredTime.ToMs(since));
        }
        if (after is { } cursor)
        {
            sql.Append(" AND (submitted_at < @afterAt OR (submitted_at = @afterAt AND id < @afterId))");
            parameters.Add("afterAt", cursor.SubmittedAtMs);
            parameters.Add("afterId", cursor.JobId);
        }
        sql.Append(CultureInfo.InvariantCulture, $" ORDER BY submitted_at DESC, id DESC LIMIT {limit + 1};");

        return database.ReadAsync(async connection =>
        {
            var rows = (await connection.QueryAsync<Relational.JobRow>(Sql.Command(sql.ToString(), parameters, cancellationToken))).ToList();
            var items = rows.Take(limit).Select(row => row.ToRecord()).ToList();
            var next = rows.Count > limit
                ? new JobListCursor(rows[limit - 1].SubmittedAt.ToUnixTimeMilliseconds(), rows[limit - 1].Id).Encode()
                : null;
            return new JobPage(items, next);
        }, cancellationToken);
    }

    public Task<int> CountActiveAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => CountActiveAsync(connection, null, tenantId, cancellationToken), cancellationToken);

    public Task<int> CountPendingAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => connection.ExecuteScalarAsync<int>(Sql.Command(
            "SELECT COUNT(*) FROM jobs WHERE tenant_id = @tenantId AND state = 'pending';", new { tenantId }, cancellationToken)),
            cancellationToken);

    private static Task<int> CountActiveAsync(SqliteConnection connection, SqliteTransaction? transaction, string tenantId, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<int>(Sql.Command(
            $"SELECT COUNT(*) FROM jobs WHERE tenant_id = @tenantId AND state IN {ActiveStates};", new { tenantId }, transaction, cancellationToken));

    private static async Task<JobRecord?> LoadAsync(
        SqliteConnection connection, SqliteTransaction? transaction, string tenantId, string jobId, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<Relational.JobRow>(Sql.Command(
            $"SELECT {Relational.JobRow.Select} FROM jobs WHERE id = @jobId AND tenant_id = @tenantId;",
            new { tenantId, jobId }, transaction, cancellationToken));
        return row?.ToRecord();
    }

    private static Task InsertEventAsync(
        SqliteConnection connection, SqliteTransaction transaction, string jobId, long atMs, string type, int attempt, string? agentId,
        string? message, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(Sql.Command(
            "INSERT INTO job_events (job_id, at, type, attempt, agent_id, message) VALUES (@jobId, @atMs, @type, @attempt, @agentId, @message);",
            new { jobId, atMs, type, attempt, agentId, message }, transaction, cancellationToken));

    private long NowMs() => StoredTime.ToMs(time.GetUtcNow());
}
