using Baton.Core.Dispatch;
using Baton.Core.Jobs;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Sqlite;

// Claims and leases: handing pending jobs to an agent, and taking them back when the lease runs out.
internal sealed partial class SqliteJobStore
{
    /// <summary>
    /// Under the write gate: the tenant's active count, its queues and the agent's load are read,
    /// the ready candidates are scanned in claim order, <see cref="JobChooser"/> picks what this
    /// agent takes, and each pick is assigned with a compare-and-set.
    /// </summary>
    public Task<IReadOnlyList<JobRecord>> ClaimAsync(JobClaimRequest request, CancellationToken cancellationToken)
    {
        if (request.MaxJobs <= 0) return Task.FromResult<IReadOnlyList<JobRecord>>([]);
        return database.WriteAsync<IReadOnlyList<JobRecord>>(async (connection, transaction) =>
        {
            var active = await CountActiveAsync(connection, transaction, request.TenantId, cancellationToken);
            var tenantFree = request.TenantConcurrencyLimit - active;
            if (tenantFree <= 0) return [];

            using var reads = await connection.QueryMultipleAsync(Sql.Command(
                $"""
                SELECT q.name AS Name, q.priority AS Priority, q.max_concurrency AS MaxConcurrency, q.paused AS Paused,
                       (SELECT COUNT(*) FROM jobs a WHERE a.tenant_id = q.tenant_id AND a.queue = q.name AND a.state IN {ActiveStates}) AS Active,
                       q.agent_groups AS AgentGroups, q.reserved_slots AS ReservedSlots, q.reserved_min_priority AS ReservedMinPriority
                FROM queues q WHERE q.tenant_id = @TenantId;
                SELECT COUNT(*) AS Jobs, COALESCE(SUM(cpu_millicores), 0) AS CpuMillicores, COALESCE(SUM(memory_mb), 0) AS MemoryMb
                FROM jobs WHERE agent_id = @AgentId AND state IN {ActiveStates};
                """,
                new { request.TenantId, request.AgentId }, transaction, cancellationToken));
            var queues = new QueueCapacity(await reads.ReadAsync<QueueCapacityRow>(), request.AgentGroup);
            var load = (await reads.ReadSingleAsync<AgentLoadRow>()).ToLoad();

            var now = NowMs();
            // Effective priority: the job's plus its queue's; queues that can give this agent nothing are left out.
            var candidates = (await connection.QueryAsync<SqliteJobRow>(Sql.Command(
                $"""
                SELECT {SqliteJobRow.Columns} FROM jobs
                WHERE tenant_id = @TenantId AND state = 'pending' AND (not_before IS NULL OR not_before <= @now) AND queue NOT IN @blocked
                ORDER BY {queues.OrderBy}
                LIMIT @CandidateLimit;
                """,
                new { request.TenantId, now, blocked = queues.Blocked, CandidateLimit = Math.Max(request.CandidateLimit, 1) }, transaction, cancellationToken)))
                .Select(row => row.ToRecord()).ToList();

            var chosen = JobChooser.Choose(candidates, queues.Describe, request.CanRun,
                queues.LimitsFor(request, tenantFree, load, StoredTime.FromMs(now)));

            var leaseExpiresAt = now + (long)request.LeaseTtl.TotalMilliseconds;
            var claimed = new List<JobRecord>(chosen.Count);
            foreach (var job in chosen)
            {
                var updated = await connection.ExecuteAsync(Sql.Command(
                    """
                    UPDATE jobs
                    SET state = 'assigned', attempt = attempt + 1, agent_id = @AgentId, assigned_at = @now, started_at = NULL,
                        lease_expires_at = @leaseExpiresAt, not_before = NULL, progress = NULL
                    WHERE id = @Id AND tenant_id = @TenantId AND state = 'pending' AND attempt = @Attempt;
                    """,
                    new { job.Id, job.TenantId, job.Attempt, request.AgentId, now, leaseExpiresAt }, transaction, cancellationToken));
                if (updated != 1) continue;

                var attempt = job.Attempt + 1;
                await InsertEventAsync(connection, transaction, job.Id, now, JobEventTypes.Assigned, attempt, request.AgentId,
                    $"assigned to agent {request.AgentId} (attempt {attempt} of {job.MaxAttempts})", cancellationToken);
                claimed.Add((await LoadAsync(connection, transaction, job.TenantId, job.Id, cancellationToken))!);
            }
            return claimed;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<ExpiredLease>> ExpireLeasesAsync(CancellationToken cancellationToken) =>
        database.WriteAsync<IReadOnlyList<ExpiredLease>>(async (connection, transaction) =>
        {
            var now = NowMs();
            var expiredRows = await connection.QueryAsync<SqliteJobRow>(Sql.Command(
                $"SELECT {SqliteJobRow.Columns} FROM jobs WHERE state IN {ActiveStates} AND lease_expires_at < @now ORDER BY lease_expires_at;",
                new { now }, transaction, cancellationToken));

            var expired = new List<ExpiredLease>();
            foreach (var row in expiredRows)
            {
                var job = row.ToRecord();
                var reason = $"lease expired: agent {job.AgentId} stopped responding";
                JobState newState;
                long? notBefore = null;
                string? retryMessage = null;
                if (job.CancelRequested)
                {
                    newState = JobState.Cancelled;
                }
                else if (job.Attempt < job.MaxAttempts)
                {
                    newState = JobState.Pending;
                    var delay = retryPolicy.DelayAfter(Math.Max(job.Attempt, 1));
                    notBefore = now + (long)delay.TotalMilliseconds;
                    retryMessage = $"retry in {JobEventText.Delay(delay)} (attempt {job.Attempt + 1} of {job.MaxAttempts})";
                }
                else
                {
                    newState = JobState.Failed;
                }

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
                if (newState == JobState.Pending)
                {
                    await InsertEventAsync(connection, transaction, job.Id, now, JobEventTypes.RetryScheduled, job.Attempt, job.AgentId, retryMessage, cancellationToken);
                }
                else
                {
                    var message = newState == JobState.Cancelled ? "cancelled: " + reason : reason;
                    await InsertEventAsync(connection, transaction, job.Id, now, JobEventText.TypeFor(newState), job.Attempt, job.AgentId, message, cancellationToken);
                    var ended = await LoadAsync(connection, transaction, job.TenantId, job.Id, cancellationToken);
                    await SqliteTenantEvents.AppendAsync(connection, transaction, TenantEventPayloads.ForFinishedJob(ended!), now, cancellationToken);
                }
                expired.Add(new ExpiredLease(job.Id, job.TenantId, job.AgentId, job.Attempt, newState));
            }
            return expired;
        }, cancellationToken);
}
