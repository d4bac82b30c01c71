using System.Globalization;
using System.Text;
using Baton.Core.Jobs;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;
using Npgsql;

namespace Baton.Storage.Postgres;

/// <summary>
/// Jobs on PostgreSQL. This file: submission and queries; the other parts hold claims and leases
/// (<c>PostgresJobStore.Claims.cs</c>), agent attempt writes and cancellation
/// (<c>PostgresJobStore.Attempts.cs</c>), and logs and events (<c>PostgresJobStore.Logs.cs</c>).
/// Every transition is a compare-and-set on state, agent and attempt, like the SQLite backend;
/// writes that read first lock the job row (<c>FOR UPDATE</c>) so concurrent replicas queue on it.
/// </summary>
internal sealed partial class PostgresJobStore(PostgresDatabase database, TimeProvider time, RetryPolicy retryPolicy) : IJobStore
{
    private const int MaxPageSize = 500;

    public async Task<(JobRecord Job, bool Created)> SubmitAsync(NewJob job, CancellationToken cancellationToken) =>
        (await SubmitManyAsync([job], cancellationToken))[0];

    /// <summary>
    /// One transaction for the whole batch: the jobs whose idempotency keys exist are read, the rest inserted in
    /// one multi-row statement with their 'submitted' events; a key a concurrent submission took meanwhile
    /// answers with that job. A batch of one tenant runs in its scope; a mix of tenants (group commit of
    /// concurrent submissions) in the system scope, each row's tenant set by the server from its caller.
    /// Wake-ups for other replicas travel outside the transaction (the server's bridge batches them): a
    /// NOTIFY here would serialise every submitting transaction's commit on PostgreSQL's notification queue lock.
    /// </summary>
    public Task<IReadOnlyList<(JobRecord Job, bool Created)>> SubmitManyAsync(IReadOnlyList<NewJob> jobs, CancellationToken cancellationToken)
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
            ? database.InTenantAsync(distinct[0], work, cancellationToken)
            : database.InSystemAsync(work, cancellationToken);
    }

    public Task<JobRecord?> GetAsync(string tenantId, string jobId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, (connection, transaction) => LoadAsync(connection, transaction, tenantId, jobId, forUpdate: false, cancellationToken), cancellationToken);

    public Task<JobPage> ListAsync(string tenantId, JobQuery query, CancellationToken cancellationToken)
    {
        JobListCursor? after = null;
        if (query.Cursor is not null)
        {
            if (!JobListCursor.TryDecode(query.Cursor, out var decoded)) throw new ArgumentException("The cursor is not valid.", nameof(query));
            after = decoded;
        }
        var limit = Math.Clamp(query.Limit, 1, MaxPageSize);

        var sql = new StringBuilder($"SELECT {Relational.JobRow.ListSelect(PostgresDialect.Instance)} FROM jobs WHERE tenant_id = @tenantId");
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
            parameters.Add("since", PgTime.ToDb(since));
        }
        if (after is { } cursor)
        {
            sql.Append(" AND (submitted_at, id) < (@afterAt, @afterId)");
            parameters.Add("afterAt", DateTimeOffset.FromUnixTimeMilliseconds(cursor.SubmittedAtMs));
            parameters.Add("afterId", cursor.JobId);
        }
        sql.Append(CultureInfo.InvariantCulture, $" ORDER BY submitted_at DESC, id DESC LIMIT {limit + 1};");

        // A listing is a search: it may read from the replica.
        return database.ReadInTenantAsync(tenantId, async (connection, transaction) =>
        {
            var rows = (await connection.QueryAsync<Relational.JobRow>(PgSql.Command(sql.ToString(), parameters, transaction, cancellationToken))).ToList();
            var items = rows.Take(limit).Select(row => row.ToRecord()).ToList();
            var next = rows.Count > limit
                ? new JobListCursor(items[limit - 1].SubmittedAt.ToUnixTimeMilliseconds(), rows[limit - 1].Id).Encode()
                : null;
            return new JobPage(items, next);
        }, cancellationToken);
    }

    public Task<int> CountActiveAsync(string tenantId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, (connection, transaction) => CountActiveAsync(connection, transaction, tenantId, cancellationToken), cancellationToken);

    public Task<int> CountPendingAsync(string tenantId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, (connection, transaction) => connection.ExecuteScalarAsync<int>(PgSql.Command(
            "SELECT COUNT(*)::integer FROM jobs WHERE tenant_id = @tenantId AND state = 'pending';", new { tenantId }, transaction, cancellationToken)),
            cancellationToken);

    private static Task<int> CountActiveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenantId, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<int>(PgSql.Command(
            $"SELECT COUNT(*)::integer FROM jobs WHERE tenant_id = @tenantId AND state IN {PgSql.ActiveStates};", new { tenantId }, transaction, cancellationToken));

    private static async Task<JobRecord?> LoadAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string tenantId, string jobId, bool forUpdate, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<Relational.JobRow>(PgSql.Command(
            $"SELECT {Relational.JobRow.Select} FROM jobs WHERE id = @jobId AND tenant_id = @tenantId{(forUpdate ? " FOR UPDATE" : "")};",
            new { tenantId, jobId }, transaction, cancellationToken));
        return row?.ToRecord();
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
        NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset at, IReadOnlyList<NewEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0) return Task.CompletedTask;
        return connection.ExecuteAsync(PgSql.Command(
            """
            INSERT INTO job_events (tenant_id, job_id, at, type, attempt, agent_id, message)
            SELECT e.tenant_id, e.job_id, @at, e.type, e.attempt, e.agent_id, e.message
            FROM unnest(@tenantIds::text[], @jobIds::text[], @types::text[], @attempts::integer[], @agentIds::text[], @messages::text[])
                 WITH ORDINALITY AS e(tenant_id, job_id, type, attempt, agent_id, message, ord)
            ORDER BY e.ord;
            """,
            new
            {
                at,
                tenantIds = events.Select(e => e.TenantId).ToArray(),
                jobIds = events.Select(e => e.JobId).ToArray(),
                types = events.Select(e => e.Type).ToArray(),
                attempts = events.Select(e => e.Attempt).ToArray(),
                agentIds = events.Select(e => e.AgentId).ToArray(),
                messages = events.Select(e => e.Message).ToArray(),
            },
            transaction, cancellationToken));
    }

    /// <summary>"Now" from the injected clock, at the precision the database keeps.</summary>
    private DateTimeOffset Now() => PgTime.ToDb(time.GetUtcNow());

    private sealed record NewEvent(string TenantId, string JobId, string Type, int Attempt, string? AgentId, string? Message);
}
