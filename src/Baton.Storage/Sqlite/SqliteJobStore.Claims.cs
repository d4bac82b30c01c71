using Baton.Core.Jobs;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Baton.Storage.Sqlite;

// Claims and leases: SQLite's locking reads and assignment for the shared claim (Relational/JobStore.Claims.cs), and taking
// jobs back when the lease runs out.
internal sealed partial class SqliteJobStore
{
    /// <summary>
    /// Under the write gate (which serialises every claim): the tenant's active count, and unless that is at the cap,
    /// its queues and the agents' loads in one round trip.
    /// </summary>
    protected override async Task<ClaimReads?> ReadClaimStateAsync(Relational.StoreSession session, string tenantId, string[] agentIds, int tenantLimit)
    {
        var connection = (SqliteConnection)session.Connection;
        var transaction = (SqliteTransaction?)session.Transaction;
        var active = await CountActiveAsync(connection, transaction, tenantId, session.CancellationToken);
        if (tenantLimit - active <= 0) return null;

        using var reads = await connection.QueryMultipleAsync(Sql.Command(
            $"""
            SELECT q.name AS Name, q.priority AS Priority, q.max_concurrency AS MaxConcurrency, q.paused AS Paused,
                   (SELECT COUNT(*) FROM jobs a WHERE a.tenant_id = q.tenant_id AND a.queue = q.name AND a.state IN {ActiveStates}) AS Active,
                   q.agent_groups AS AgentGroups, q.reserved_slots AS ReservedSlots, q.reserved_min_priority AS ReservedMinPriority
            FROM queues q WHERE q.tenant_id = @tenantId;
            SELECT agent_id AS AgentId, COUNT(*) AS Jobs, COALESCE(SUM(cpu_millicores), 0) AS CpuMillicores, COALESCE(SUM(memory_mb), 0) AS MemoryMb
            FROM jobs WHERE agent_id IN @agentIds AND state IN {ActiveStates} GROUP BY agent_id;
            """,
            new { tenantId, agentIds }, transaction, session.CancellationToken));
        var queues = (await reads.ReadAsync<QueueCapacityRow>()).ToList();
        var loads = (await reads.ReadAsync<AgentLoadRow>()).ToDictionary(row => row.AgentId, row => row.ToLoad(), StringComparer.Ordinal);
        return new ClaimReads(active, queues, loads);
    }

    /// <summary>Each pick with its own compare-and-set and event, in claim order.</summary>
    protected override async Task<IReadOnlyDictionary<string, JobRecord>> AssignAsync(
        Relational.StoreSession session, string tenantId, IReadOnlyList<(JobRecord Job, string AgentId)> picks, DateTimeOffset now, DateTimeOffset leaseExpiresAt)
    {
        var connection = (SqliteConnection)session.Connection;
        var transaction = (SqliteTransaction)session.Transaction!;
        var (nowMs, leaseMs) = (StoredTime.ToMs(now), StoredTime.ToMs(leaseExpiresAt));
        var assigned = new Dictionary<string, JobRecord>(StringComparer.Ordinal);
        foreach (var (job, agentId) in picks)
        {
            var row = await connection.QuerySingleOrDefaultAsync<Relational.JobRow>(Sql.Command(
                $"""
                UPDATE jobs
                SET state = 'assigned', attempt = attempt + 1, agent_id = @agentId, assigned_at = @now, started_at = NULL,
                    lease_expires_at = @leaseExpiresAt, not_before = NULL, progress = NULL
                WHERE id = @Id AND tenant_id = @TenantId AND state = 'pending' AND attempt = @Attempt
                RETURNING {Relational.JobRow.Select};
                """,
                new { job.Id, job.TenantId, job.Attempt, agentId, now = nowMs, leaseExpiresAt = leaseMs }, transaction, session.CancellationToken));
            if (row is null) continue;

            var attempt = job.Attempt + 1;
            await InsertEventAsync(connection, transaction, job.Id, nowMs, JobEventTypes.Assigned, attempt, agentId,
                $"assigned to agent {agentId} (attempt {attempt} of {job.MaxAttempts})", session.CancellationToken);
            assigned[row.Id] = row.ToRecord();
        }
        return assigned;
    }

    public override Task<IReadOnlyList<ExpiredLease>> ExpireLeasesAsync(CancellationToken cancellationToken) =>
        _database.WriteAsync<IReadOnlyList<ExpiredLease>>(async (connection, transaction) =>
        {
            var now = NowMs();
            var expiredRows = await connection.QueryAsync<Relational.JobRow>(Sql.Command(
                $"SELECT {Relational.JobRow.Select} FROM jobs WHERE state IN {ActiveStates} AND lease_expires_at < @now ORDER BY lease_expires_at;",
                new { now }, transaction, cancellationToken));

            var expired = new List<ExpiredLease>();
            foreach (var row in expiredRows)
            {
                var job = row.ToRecord();
                var expiry = ExpiryOf(job);
                var (newState, reason) = (expiry.NewState, expiry.Reason);
                long? notBefore = expiry.RetryDelay is { } delay ? now + (long)delay.TotalMilliseconds : null;

                var updated = await connection.ExecuteAsync(Sql.Command(
                    """
                    UPDATE jobs
                    SET state = @newState, lease_expires_at = NULL, error = @reason,
                        agent_id = CASE WHEN @newState = 'pending' THEN NULL ELSE agent_id END,
                        not_before = @notBefore,
                        finished_at = CASE WHEN @newState = 'pending' THEN NULL ELSE @now END
                    WHERE id = @Id AND tenant_id = @TenantId AND state = @fromState AND agent_id = @AgentId AND attempt = @Attempt;
                    """,
                    new
                    {
                        job.Id,
                        job.TenantId,
                        job.AgentId,
                        job.Attempt,
                        fromState = job.State.ToText(),
                        newState = newState.ToText(),
                        reason,
                        notBefore,
                        now,
                    },
                    transaction, cancellationToken));
                if (updated != 1) continue;

                await InsertEventAsync(connection, transaction, job.Id, now, JobEventTypes.LeaseExpired, job.Attempt, job.AgentId, reason, cancellationToken);
                await InsertEventAsync(connection, transaction, job.Id, now, expiry.FollowUpType, job.Attempt, job.AgentId, expiry.FollowUpMessage, cancellationToken);
                if (newState != JobState.Pending)
                {
                    var ended = await LoadAsync(connection, transaction, job.TenantId, job.Id, cancellationToken);
                    await Relational.TenantEvents.QueueAsync(SqliteDatabase.Session(connection, transaction, cancellationToken), FinishedEvents(ended!), StoredTime.FromMs(now));
                }
                expired.Add(new ExpiredLease(job.Id, job.TenantId, job.AgentId, job.Attempt, newState));
            }
            return expired;
        }, cancellationToken);
}
