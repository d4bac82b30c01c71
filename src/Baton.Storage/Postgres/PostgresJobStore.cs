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

    public Task<(JobRecord Job, bool Created)> SubmitAsync(NewJob job, CancellationToken cancellationToken) =>
        database.InTenantAsync<(JobRecord, bool)>(job.TenantId, async (connection, transaction) =>
        {
            if (job.IdempotencyKey is not null)
            {
                var existing = await LoadByIdempotencyKeyAsync(connection, transaction, job.TenantId, job.IdempotencyKey, cancellationToken);
                if (existing is not null) return (existing, false);
            }

            // The insert and its 'submitted' event in one statement. Wake-ups for other replicas travel
            // outside the transaction (the server's bridge batches them): a NOTIFY here would serialise
            // every submitting transaction's commit on PostgreSQL's notification queue lock.
            var created = await connection.QuerySingleOrDefaultAsync<PostgresJobRow>(PgSql.Command(
                $"""
                WITH job AS (
                    INSERT INTO jobs (id, tenant_id, package_name, package_version, package_sha256, state, attempt, max_attempts,
                                      priority, timeout_seconds, requirements, inputs, idempotency_key, submitted_at, queue,
                                  cpu_millicores, memory_mb)
                    VALUES (@Id, @TenantId, @PackageName, @PackageVersion, @PackageSha256, 'pending', 0, @MaxAttempts,
                            @Priority, @TimeoutSeconds, CAST(@Requirements AS jsonb), CAST(@Inputs AS jsonb), @IdempotencyKey, @now, @Queue,
                        @CpuMillicores, @MemoryMb)
                    ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
                    RETURNING *
                ),
                submitted AS (
                    INSERT INTO job_events (tenant_id, job_id, at, type, attempt)
                    SELECT tenant_id, id, submitted_at, '{JobEventTypes.Submitted}', 0 FROM job
                )
                SELECT {PostgresJobRow.Columns} FROM job;
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
                    now = Now(),
                },
                transaction, cancellationToken));
            if (created is not null) return (created.ToRecord(), true);

            // A concurrent submission with the same idempotency key won the insert.
            var winner = await LoadByIdempotencyKeyAsync(connection, transaction, job.TenantId, job.IdempotencyKey!, cancellationToken);
            return (winner ?? throw new InvalidOperationException($"Job with idempotency key '{job.IdempotencyKey}' vanished."), false);
        }, cancellationToken);

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

        var sql = new StringBuilder($"SELECT {PostgresJobRow.ListColumns} FROM jobs WHERE tenant_id = @tenantId");
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
            var rows = (await connection.QueryAsync<PostgresJobRow>(PgSql.Command(sql.ToString(), parameters, transaction, cancellationToken))).ToList();
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
        var row = await connection.QuerySingleOrDefaultAsync<PostgresJobRow>(PgSql.Command(
            $"SELECT {PostgresJobRow.Columns} FROM jobs WHERE id = @jobId AND tenant_id = @tenantId{(forUpdate ? " FOR UPDATE" : "")};",
            new { tenantId, jobId }, transaction, cancellationToken));
        return row?.ToRecord();
    }

    private static async Task<JobRecord?> LoadByIdempotencyKeyAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string tenantId, string idempotencyKey, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<PostgresJobRow>(PgSql.Command(
            $"SELECT {PostgresJobRow.Columns} FROM jobs WHERE tenant_id = @tenantId AND idempotency_key = @idempotencyKey;",
            new { tenantId, idempotencyKey }, transaction, cancellationToken));
        return row?.ToRecord();
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
