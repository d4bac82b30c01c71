using Baton.Core.Jobs;
using Baton.Storage.Model;
using Dapper;
using Npgsql;

namespace Baton.Storage.Postgres;

// Claims and leases: PostgreSQL's locking reads and assignment for the shared claim (Relational/JobStore.Claims.cs), and
// taking jobs back when the lease runs out.
internal sealed partial class PostgresJobStore
{
    /// <summary>
    /// A per-tenant advisory lock serialises the concurrency-cap check across replicas (and every claim of the tenant,
    /// shared agents' included); the lock and the reads in one round trip. The reads run after the lock is granted, so
    /// they see every claim committed before it (read committed: a fresh snapshot per statement).
    /// </summary>
    protected override async Task<ClaimReads?> ReadClaimStateAsync(Relational.StoreSession session, string tenantId, string[] agentIds, int tenantLimit)
    {
        var connection = (NpgsqlConnection)session.Connection;
        var transaction = (NpgsqlTransaction)session.Transaction!;
        using var reads = await connection.QueryMultipleAsync(PgSql.Command(
            $"""
            SELECT pg_advisory_xact_lock(hashtextextended('claims:' || @tenantId, 0));
            SELECT COUNT(*)::integer FROM jobs WHERE tenant_id = @tenantId AND state IN {PgSql.ActiveStates};
            SELECT q.name AS Name, q.priority::bigint AS Priority, q.max_concurrency::bigint AS MaxConcurrency, (CASE WHEN q.paused THEN 1 ELSE 0 END)::bigint AS Paused,
                   (SELECT COUNT(*) FROM jobs a WHERE a.tenant_id = q.tenant_id AND a.queue = q.name AND a.state IN {PgSql.ActiveStates})::bigint AS Active,
                   array_to_json(q.agent_groups)::text AS AgentGroups, q.reserved_slots::bigint AS ReservedSlots, q.reserved_min_priority::bigint AS ReservedMinPriority
            FROM queues q WHERE q.tenant_id = @tenantId;
            SELECT agent_id AS AgentId, COUNT(*)::bigint AS Jobs, COALESCE(SUM(cpu_millicores), 0)::bigint AS CpuMillicores, COALESCE(SUM(memory_mb), 0)::bigint AS MemoryMb
            FROM jobs WHERE agent_id = ANY(@agentIds) AND tenant_id = @tenantId AND state IN {PgSql.ActiveStates} GROUP BY agent_id;
            """,
            new { tenantId, agentIds }, transaction, session.CancellationToken));
        await reads.ReadAsync();
        var active = await reads.ReadSingleAsync<int>();
        var queues = (await reads.ReadAsync<QueueCapacityRow>()).ToList();
        var loads = (await reads.ReadAsync<AgentLoadRow>()).ToDictionary(row => row.AgentId, row => row.ToLoad(), StringComparer.Ordinal);
        return new ClaimReads(active, queues, loads);
    }

    /// <summary>Every pick in one <c>UPDATE … FROM unnest(…) RETURNING</c> with its events.</summary>
    protected override async Task<IReadOnlyDictionary<string, JobRecord>> AssignAsync(
        Relational.StoreSession session, string tenantId, IReadOnlyList<(JobRecord Job, string AgentId)> picks, DateTimeOffset now, DateTimeOffset leaseExpiresAt)
    {
        var claimedRows = await session.QueryAsync<Relational.JobRow>(
            $"""
            WITH claimed AS (
                UPDATE jobs
                SET state = 'assigned', attempt = attempt + 1, agent_id = c.agent_id, assigned_at = @now, started_at = NULL,
                    lease_expires_at = @leaseExpiresAt, not_before = NULL, progress = NULL
                FROM unnest(@ids::text[], @agentIds::text[]) AS c(id, agent_id)
                WHERE jobs.id = c.id AND jobs.tenant_id = @tenantId AND jobs.state = 'pending'
                RETURNING jobs.*
            ),
            assigned AS (
                INSERT INTO job_events (tenant_id, job_id, at, type, attempt, agent_id, message)
                SELECT tenant_id, id, @now, '{JobEventTypes.Assigned}', attempt, agent_id,
                       'assigned to agent ' || agent_id || ' (attempt ' || attempt || ' of ' || max_attempts || ')'
                FROM claimed
            )
            SELECT {Relational.JobRow.Select} FROM claimed;
            """,
            new
            {
                tenantId,
                now,
                leaseExpiresAt,
                ids = picks.Select(p => p.Job.Id).ToArray(),
                agentIds = picks.Select(p => p.AgentId).ToArray(),
            });
        // RETURNING has no order: the shared claim puts each agent's jobs back in claim order.
        return claimedRows.ToDictionary(row => row.Id, row => row.ToRecord(), StringComparer.Ordinal);
    }

    // System scope: the janitor sweeps expired leases of every tenant. SKIP LOCKED lets two
    // replicas' janitors share the sweep instead of queueing; each job is handled once.
    public override Task<IReadOnlyList<ExpiredLease>> ExpireLeasesAsync(CancellationToken cancellationToken) =>
        _database.InSystemAsync<IReadOnlyList<ExpiredLease>>(async (connection, transaction) =>
        {
            var now = Now();
            var expiredJobs = (await connection.QueryAsync<Relational.JobRow>(PgSql.Command(
                $"""
                SELECT {Relational.JobRow.Select} FROM jobs
                WHERE state IN {PgSql.ActiveStates} AND lease_expires_at < @now
                ORDER BY lease_expires_at
                FOR UPDATE SKIP LOCKED;
                """,
                new { now }, transaction, cancellationToken))).Select(row => row.ToRecord()).ToList();
            if (expiredJobs.Count == 0) return [];

            var expired = new List<ExpiredLease>(expiredJobs.Count);
            var notBefores = new List<DateTime?>(expiredJobs.Count);
            var reasons = new List<string>(expiredJobs.Count);
            var events = new List<NewEvent>(expiredJobs.Count * 2);
            foreach (var job in expiredJobs)
            {
                var expiry = ExpiryOf(job);
                expired.Add(new ExpiredLease(job.Id, job.TenantId, job.AgentId, job.Attempt, expiry.NewState));
                notBefores.Add(expiry.RetryDelay is { } delay ? (now + delay).UtcDateTime : null);
                reasons.Add(expiry.Reason);
                events.Add(new NewEvent(job.TenantId, job.Id, JobEventTypes.LeaseExpired, job.Attempt, job.AgentId, expiry.Reason));
                events.Add(new NewEvent(job.TenantId, job.Id, expiry.FollowUpType, job.Attempt, job.AgentId, expiry.FollowUpMessage));
            }

            // The rows are locked by this transaction, so the fenced update takes every one of them.
            await connection.ExecuteAsync(PgSql.Command(
                $"""
                UPDATE jobs j
                SET state = u.new_state, lease_expires_at = NULL, error = u.reason,
                    agent_id = CASE WHEN u.new_state = 'pending' THEN NULL ELSE j.agent_id END,
                    not_before = u.not_before,
                    finished_at = CASE WHEN u.new_state = 'pending' THEN NULL ELSE @now END
                FROM unnest(@ids::text[], @attempts::integer[], @newStates::text[], @reasons::text[], @notBefores::timestamptz[])
                     AS u(id, attempt, new_state, reason, not_before)
                WHERE j.id = u.id AND j.attempt = u.attempt AND j.state IN {PgSql.ActiveStates};
                """,
                new
                {
                    now,
                    ids = expired.Select(e => e.JobId).ToArray(),
                    attempts = expired.Select(e => e.Attempt).ToArray(),
                    newStates = expired.Select(e => e.NewState.ToText()).ToArray(),
                    reasons = reasons.ToArray(),
                    notBefores = notBefores.ToArray(),
                },
                transaction, cancellationToken));
            await InsertEventsAsync(connection, transaction, now, events, cancellationToken);
            // Jobs that ended here announce it to their tenants in this same transaction.
            var ended = expiredJobs
                .Select((job, i) => job with { State = expired[i].NewState, FinishedAt = now, Error = reasons[i], LeaseExpiresAt = null })
                .Select(TenantEventPayloads.ForFinishedJob)
                .OfType<NewTenantEvent>()
                .ToList();
            await Relational.TenantEvents.QueueAsync(PostgresDatabase.Session(connection, transaction, cancellationToken), ended, now);
            return expired;
        }, cancellationToken);
}
