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
    /// Under the write gate, for every agent of the batch at once: the tenant's active count, its queues and
    /// the agents' loads are read, the ready candidates are scanned in claim order,
    /// <see cref="JobChooser.ChooseForEach{T}"/> picks what each agent takes, and each pick is assigned with a
    /// compare-and-set.
    /// </summary>
    public override Task<ClaimBatchResult> ClaimManyAsync(string tenantId, IReadOnlyList<JobClaimRequest> requests, CancellationToken cancellationToken)
    {
        ClaimBatchResult.Validate(tenantId, requests);
        var empty = ClaimBatchResult.Empty(requests.Count, noneReady: false);
        if (requests.All(r => r.MaxJobs <= 0)) return Task.FromResult(empty);
        var first = requests[0];
        return _database.WriteAsync(async (connection, transaction) =>
        {
            var now = NowMs();
            var anyReady = await connection.ExecuteScalarAsync<long>(Sql.Command(
                "SELECT EXISTS (SELECT 1 FROM jobs WHERE tenant_id = @tenantId AND state = 'pending' AND (not_before IS NULL OR not_before <= @now));",
                new { tenantId, now }, transaction, cancellationToken));
            if (anyReady == 0) return ClaimBatchResult.Empty(requests.Count, noneReady: true);

            var active = await CountActiveAsync(connection, transaction, tenantId, cancellationToken);
            var tenantFree = first.TenantConcurrencyLimit - active;
            if (tenantFree <= 0) return empty;

            var agentIds = requests.Select(r => r.AgentId).Distinct(StringComparer.Ordinal).ToArray();
            using var reads = await connection.QueryMultipleAsync(Sql.Command(
                $"""
                SELECT q.name AS Name, q.priority AS Priority, q.max_concurrency AS MaxConcurrency, q.paused AS Paused,
                       (SELECT COUNT(*) FROM jobs a WHERE a.tenant_id = q.tenant_id AND a.queue = q.name AND a.state IN {ActiveStates}) AS Active,
                       q.agent_groups AS AgentGroups, q.reserved_slots AS ReservedSlots, q.reserved_min_priority AS ReservedMinPriority
                FROM queues q WHERE q.tenant_id = @tenantId;
                SELECT agent_id AS AgentId, COUNT(*) AS Jobs, COALESCE(SUM(cpu_millicores), 0) AS CpuMillicores, COALESCE(SUM(memory_mb), 0) AS MemoryMb
                FROM jobs WHERE agent_id IN @agentIds AND state IN {ActiveStates} GROUP BY agent_id;
                """,
                new { tenantId, agentIds }, transaction, cancellationToken));
            var queueRows = (await reads.ReadAsync<QueueCapacityRow>()).ToList();
            var loads = (await reads.ReadAsync<AgentLoadRow>()).ToDictionary(row => row.AgentId, row => row.ToLoad(), StringComparer.Ordinal);
            var plan = new ClaimPlan(requests, queueRows, loads, tenantFree, StoredTime.FromMs(now));

            // Effective priority: the job's plus its queue's; queues that can give no agent of the batch anything are left out.
            var candidates = (await connection.QueryAsync<Relational.JobRow>(Sql.Command(
                $"""
                SELECT {Relational.JobRow.Select} FROM jobs
                WHERE tenant_id = @tenantId AND state = 'pending' AND (not_before IS NULL OR not_before <= @now) AND queue NOT IN @blocked
                ORDER BY {plan.Queues.OrderBy}
                LIMIT @limit;
                """,
                new { tenantId, now, blocked = plan.Queues.Blocked, limit = plan.CandidateLimit }, transaction, cancellationToken)))
                .Select(row => row.ToRecord()).ToList();
            var chosen = plan.Choose(candidates);

            var leaseExpiresAt = now + (long)first.LeaseTtl.TotalMilliseconds;
            var claimed = new IReadOnlyList<JobRecord>[requests.Count];
            for (var i = 0; i < requests.Count; i++)
            {
                var agentId = requests[i].AgentId;
                var jobs = new List<JobRecord>(chosen[i].Count);
                foreach (var job in chosen[i])
                {
                    var row = await connection.QuerySingleOrDefaultAsync<Relational.JobRow>(Sql.Command(
                        $"""
                        UPDATE jobs
                        SET state = 'assigned', attempt = attempt + 1, agent_id = @agentId, assigned_at = @now, started_at = NULL,
                            lease_expires_at = @leaseExpiresAt, not_before = NULL, progress = NULL
                        WHERE id = @Id AND tenant_id = @TenantId AND state = 'pending' AND attempt = @Attempt
                        RETURNING {Relational.JobRow.Select};
                        """,
                        new { job.Id, job.TenantId, job.Attempt, agentId, now, leaseExpiresAt }, transaction, cancellationToken));
                    if (row is null) continue;

                    var attempt = job.Attempt + 1;
                    await InsertEventAsync(connection, transaction, job.Id, now, JobEventTypes.Assigned, attempt, agentId,
                        $"assigned to agent {agentId} (attempt {attempt} of {job.MaxAttempts})", cancellationToken);
                    jobs.Add(row.ToRecord());
                }
                claimed[i] = jobs;
            }
            return new ClaimBatchResult(claimed, NoneReady: ClaimBatchResult.Exhausted(
                candidates.Count, plan.CandidateLimit, claimed.Sum(jobs => jobs.Count), plan.Queues.Blocked.Length));
        }, cancellationToken);
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
                    await SqliteTenantEvents.AppendAsync(connection, transaction, TenantEventPayloads.ForFinishedJob(ended!), now, cancellationToken);
                }
                expired.Add(new ExpiredLease(job.Id, job.TenantId, job.AgentId, job.Attempt, newState));
            }
            return expired;
        }, cancellationToken);
}
