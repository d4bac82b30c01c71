using Baton.Core.Jobs;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;
using Npgsql;

namespace Baton.Storage.Postgres;

/// <summary>
/// PostgreSQL's busy job paths, one set-based statement per batch (the rest of the job store is the shared
/// <see cref="Relational.JobStore"/>). This file: submission; the other parts hold claims and leases
/// (<c>PostgresJobStore.Claims.cs</c>), agent attempt writes (<c>PostgresJobStore.Attempts.cs</c>), releases
/// (<c>PostgresJobStore.Release.cs</c>) and log appends (<c>PostgresJobStore.Logs.cs</c>).
/// Every transition is a compare-and-set on state, agent and attempt, like the SQLite backend;
/// writes that read first lock the job row (<c>FOR UPDATE</c>) so concurrent replicas queue on it.
/// </summary>
internal sealed partial class PostgresJobStore(PostgresDatabase database, TimeProvider time, RetryPolicy retryPolicy)
    : Relational.JobStore(database, time, retryPolicy)
{
    private readonly PostgresDatabase _database = database;

    /// <summary>
    /// One transaction for the whole batch: the jobs whose idempotency keys exist are read, the rest inserted in
    /// one multi-row statement with their 'submitted' events; a key a concurrent submission took meanwhile
    /// answers with that job. A batch of one tenant runs in its scope; a mix of tenants (group commit of
    /// concurrent submissions) in the system scope, each row's tenant set by the server from its caller.
    /// Wake-ups for other replicas travel outside the transaction (the server's bridge batches them): a
    /// NOTIFY here would serialise every submitting transaction's commit on PostgreSQL's notification queue lock.
    /// </summary>
    public override Task<IReadOnlyList<(JobRecord Job, bool Created)>> SubmitManyAsync(IReadOnlyList<NewJob> jobs, CancellationToken cancellationToken)
    {
        var batch = new SubmissionBatch(jobs);
        if (jobs.Count == 0) return Task.FromResult<IReadOnlyList<(JobRecord, bool)>>([]);
        async Task<IReadOnlyList<(JobRecord, bool)>> Work(NpgsqlConnection connection, NpgsqlTransaction transaction)
        {
            var unique = batch.Unique;
            var keyed = unique.Where(j => j.IdempotencyKey is not null).ToList();
            var existing = keyed.Count == 0 ? [] : await LoadByIdempotencyKeysAsync(connection, transaction, keyed, cancellationToken);
            // Keyed rows in one global order, so two batches racing on the same keys wait for each other instead of deadlocking.
            var toInsert = unique
                .Where(j => j.IdempotencyKey is null || !existing.ContainsKey((j.TenantId, j.IdempotencyKey)))
                .OrderBy(j => j.TenantId, StringComparer.Ordinal).ThenBy(j => j.IdempotencyKey, StringComparer.Ordinal)
                .ToList();

            var inserted = toInsert.Count == 0 ? [] : (await connection.QueryAsync<Relational.JobRow>(PgSql.Command(
                $"""
                WITH job AS (
                    INSERT INTO jobs (id, tenant_id, package_name, package_version, package_sha256, state, attempt, max_attempts,
                                      priority, timeout_seconds, requirements, inputs, idempotency_key, submitted_at, queue,
                                      cpu_millicores, memory_mb)
                    SELECT n.id, n.tenant_id, n.package_name, n.package_version, n.package_sha256, 'pending', 0, n.max_attempts,
                           n.priority, n.timeout_seconds, n.requirements::jsonb, n.inputs::jsonb, n.idempotency_key, @now, n.queue,
                           n.cpu_millicores, n.memory_mb
                    FROM unnest(@ids::text[], @tenantIds::text[], @packageNames::text[], @packageVersions::text[], @packageSha256s::text[],
                                @maxAttempts::integer[], @priorities::integer[], @timeouts::integer[], @requirements::text[], @inputs::text[],
                                @idempotencyKeys::text[], @queues::text[], @cpus::integer[], @memories::bigint[])
                         AS n(id, tenant_id, package_name, package_version, package_sha256, max_attempts, priority, timeout_seconds,
                              requirements, inputs, idempotency_key, queue, cpu_millicores, memory_mb)
                    ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
                    RETURNING *
                ),
                submitted AS (
                    INSERT INTO job_events (tenant_id, job_id, at, type, attempt)
                    SELECT tenant_id, id, submitted_at, '{JobEventTypes.Submitted}', 0 FROM job
                )
                SELECT {Relational.JobRow.Select} FROM job;
                """,
                new
                {
                    now = Now(),
                    ids = toInsert.Select(j => j.Id).ToArray(),
                    tenantIds = toInsert.Select(j => j.TenantId).ToArray(),
                    packageNames = toInsert.Select(j => j.PackageName).ToArray(),
                    packageVersions = toInsert.Select(j => j.PackageVersion).ToArray(),
                    packageSha256s = toInsert.Select(j => j.PackageSha256).ToArray(),
                    maxAttempts = toInsert.Select(j => j.MaxAttempts).ToArray(),
                    priorities = toInsert.Select(j => j.Priority).ToArray(),
                    timeouts = toInsert.Select(j => j.TimeoutSeconds).ToArray(),
                    requirements = toInsert.Select(j => StoredJson.Serialize(j.Requirements)).ToArray(),
                    inputs = toInsert.Select(j => StoredJson.ToText(j.Inputs)).ToArray(),
                    idempotencyKeys = toInsert.Select(j => j.IdempotencyKey).ToArray(),
                    queues = toInsert.Select(j => j.Queue).ToArray(),
                    cpus = toInsert.Select(j => j.CpuMillicores).ToArray(),
                    memories = toInsert.Select(j => j.MemoryMb).ToArray(),
                },
                transaction, cancellationToken))).ToDictionary(row => row.Id, row => row.ToRecord(), StringComparer.Ordinal);

            // Keys a concurrent submission won meanwhile (the insert skipped them): that submission's job is the answer.
            var lost = toInsert.Where(j => !inserted.ContainsKey(j.Id)).ToList();
            if (lost.Count > 0)
            {
                foreach (var (key, job) in await LoadByIdempotencyKeysAsync(connection, transaction, lost, cancellationToken)) existing[key] = job;
            }

            return batch.Answer([.. unique.Select(job =>
                inserted.TryGetValue(job.Id, out var created) ? (created, true)
                : job.IdempotencyKey is { } key && existing.TryGetValue((job.TenantId, key), out var found) ? (found, false)
                : throw new InvalidOperationException($"Job with idempotency key '{job.IdempotencyKey}' vanished."))]);
        }
        return InScopeOfAsync(jobs.Select(j => j.TenantId), Work, cancellationToken);
    }

    /// <summary>
    /// A batched write's transaction: in the tenant's scope when every row is one tenant's, else in the system scope
    /// (group commit across tenants) — where every statement fences each row by the tenant the server gave it.
    /// </summary>
    private Task<T> InScopeOfAsync<T>(IEnumerable<string> tenantIds, Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        var distinct = tenantIds.Distinct(StringComparer.Ordinal).Take(2).ToList();
        return distinct.Count == 1
            ? _database.InTenantAsync(distinct[0], work, cancellationToken)
            : _database.InSystemAsync(work, cancellationToken);
    }

    private static async Task<Dictionary<(string TenantId, string Key), JobRecord>> LoadByIdempotencyKeysAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<NewJob> jobs, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<Relational.JobRow>(PgSql.Command(
            $"""
            SELECT {Relational.JobRow.Select} FROM jobs
            WHERE (tenant_id, idempotency_key) IN (SELECT * FROM unnest(@tenantIds::text[], @keys::text[]));
            """,
            new { tenantIds = jobs.Select(j => j.TenantId).ToArray(), keys = jobs.Select(j => j.IdempotencyKey!).ToArray() },
            transaction, cancellationToken));
        return rows.Select(row => row.ToRecord()).ToDictionary(job => (job.TenantId, job.IdempotencyKey!));
    }

    /// <summary>Records events in one statement, in list order (their ids follow it).</summary>
    private static Task InsertEventsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset at, IReadOnlyList<NewEvent> events, CancellationToken cancellationToken) =>
        AppendJobEventsAsync(PostgresDatabase.Session(connection, transaction, cancellationToken), at, events);

}
