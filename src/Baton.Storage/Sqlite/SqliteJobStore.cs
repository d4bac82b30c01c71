using Baton.Core.Jobs;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Baton.Storage.Sqlite;

/// <summary>
/// SQLite's busy job paths, row by row under the single writer (the rest of the job store is the shared
/// <see cref="Relational.JobStore"/>). This file: submission; the other parts hold claims and leases
/// (<c>SqliteJobStore.Claims.cs</c>), agent attempt writes (<c>SqliteJobStore.Attempts.cs</c>), releases
/// (<c>SqliteJobStore.Release.cs</c>) and log appends (<c>SqliteJobStore.Logs.cs</c>).
/// </summary>
internal sealed partial class SqliteJobStore(SqliteDatabase database, TimeProvider time, RetryPolicy retryPolicy)
    : Relational.JobStore(database, time, retryPolicy)
{
    private const string ActiveStates = ActiveJobStates;

    private readonly SqliteDatabase _database = database;

    /// <summary>One write transaction for the whole batch (one commit, one WAL sync): each job found by its idempotency key or inserted.</summary>
    public override Task<IReadOnlyList<(JobRecord Job, bool Created)>> SubmitManyAsync(IReadOnlyList<NewJob> jobs, CancellationToken cancellationToken)
    {
        var batch = new SubmissionBatch(jobs);
        if (jobs.Count == 0) return Task.FromResult<IReadOnlyList<(JobRecord, bool)>>([]);
        return _database.WriteAsync<IReadOnlyList<(JobRecord, bool)>>(async (connection, transaction) =>
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
            SqliteJobSql.Instance.JobEventsInsert,
            new { jobId, atMs, type, attempt, agentId, message }, transaction, cancellationToken));

    private long NowMs() => StoredTime.ToMs(Clock.GetUtcNow());
}
