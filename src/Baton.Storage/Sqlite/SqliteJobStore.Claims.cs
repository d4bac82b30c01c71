using Baton.Core.Jobs;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Sqlite;

// Claims and leases: handing pending jobs to an agent, and taking them back when the lease runs out.
internal sealed partial class SqliteJobStore
{
    public Task<IReadOnlyList<JobRecord>> ClaimAsync(JobClaimRequest request, CancellationToken cancellationToken)
    {
        if (request.MaxJobs <= 0) return Task.FromResult<IReadOnlyList<JobRecord>>([]);
        return database.WriteAsync<IReadOnlyList<JobRecord>>(async (connection, transaction) =>
        {
            var active = await CountActiveAsync(connection, transaction, request.TenantId, cancellationToken);
            var room = Math.Min(request.MaxJobs, request.TenantConcurrencyLimit - active);
            if (room <= 0) return [];

            var queues = new QueueCapacity(await connection.QueryAsync<QueueCapacityRow>(Sql.Command(
                """
                SELECT q.name AS Name, q.priority AS Priority, q.max_concurrency AS MaxConcurrency, q.paused AS Paused,
                       (SELECT COUNT(*) FROM jobs a WHERE a.tenant_id = q.tenant_id AND a.queue = q.name AND a.state IN ('assigned', 'running')) AS Active
                FROM queues q WHERE q.tenant_id = @TenantId;
                """,
                new { request.TenantId }, transaction, cancellationToken)));

            var now = NowMs();
            // Effective priority: the job's plus its queue's; paused queues and queues at their cap are left out.
            var candidates = await connection.QueryAsync<SqliteJobRow>(Sql.Command(
                $"""
                SELECT {SqliteJobRow.Columns} FROM jobs
                WHERE tenant_id = @TenantId AND state = 'pending' AND (not_before IS NULL OR not_before <= @now) AND queue NOT IN @blocked
                ORDER BY {queues.OrderBy}
                LIMIT @CandidateLimit;
                """,
                new { request.TenantId, now, blocked = queues.Blocked, CandidateLimit = Math.Max(request.CandidateLimit, 1) }, transaction, cancellationToken));

            var leaseExpiresAt = now + (long)request.LeaseTtl.TotalMilliseconds;
            var claimed = new List<JobRecord>();
            foreach (var candidate in candidates)
            {
                var job = candidate.ToRecord();
                if (!request.CanRun(job) || !queues.TryTake(job.Queue)) continue;

                var updated = await connection.ExecuteAsync(Sql.Command(
                    """
                    UPDATE jobs
                    SET state = 'assigned', attempt = attempt + 1, agent_id = @AgentId, assigned_at = @now, started_at = NULL,
                        lease_expires_at = @leaseExpiresAt, not_before = NULL, progress = NULL
                    WHERE id = @Id AND tenant_id = @TenantId AND state = 'pending' AND attempt = @Attempt;
                    """,
                    new { job.Id, job.TenantId, job.Attempt, request.AgentId, now, leaseExpiresAt }, transaction, cancellationToken));
                if (updated != 1)
                {
                    queues.GiveBack(job.Queue);
                    continue;
                }

                var attempt = job.Attempt + 1;
                await InsertEventAsync(connection, transaction, job.Id, now, JobEventTypes.Assigned, attempt, request.AgentId,
                    $"assigned to agent {request.AgentId} (attempt {attempt} of {job.MaxAttempts})", cancellationToken);
                claimed.Add((await LoadAsync(connection, transaction, job.TenantId, job.Id, cancellationToken))!);
                if (claimed.Count >= room) break;
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
