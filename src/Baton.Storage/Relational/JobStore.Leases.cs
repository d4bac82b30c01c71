using Baton.Core.AgentProtocol;
using Baton.Core.Jobs;
using Baton.Storage.Model;

namespace Baton.Storage.Relational;

// Taking jobs back: assignments that never reached their agent go back to the queue without spending an attempt, and
// leases that ran out end (ExpiryOf decides how).
internal sealed partial class JobStore
{
    public async Task<IReadOnlyList<JobRecord>> ReleaseUndeliveredAsync(
        string tenantId, string agentId, IReadOnlyList<JobRef> running, DateTimeOffset assignedBefore, CancellationToken cancellationToken)
    {
        var sql = database.Dialect.Jobs;
        // Every poll asks and almost always the answer is no: where the write is costly to enter, look outside it first.
        if (sql.AssignedToAgentCount is { } count
            && await database.ReadAsync(tenantId, session => session.ScalarAsync<long>(count, new { tenantId, agentId }), cancellationToken) == 0)
        {
            return [];
        }
        return await database.WriteAsync<IReadOnlyList<JobRecord>>(tenantId, async session =>
        {
            var candidates = (await session.QueryAsync<JobRecord>(sql.ReleaseCandidates, new { tenantId, agentId, before = assignedBefore })).ToList();
            var lost = Undelivered(candidates, running);
            if (lost.Count == 0) return [];
            var now = Now();
            var releasedAll = (await session.QueryAsync<JobRecord>(sql.ReleaseAssignment, new { tenantId, agentId, ids = ValueList.Of(lost.Select(j => j.Id)) })).ToList();
            await AppendJobEventsAsync(session, now, [.. releasedAll.Select(j => new NewEvent(
                j.TenantId, j.Id, JobEventTypes.Released, j.Attempt + 1, agentId, ReleasedMessage(agentId)))]);
            return releasedAll;
        }, cancellationToken);
    }

    /// <summary>
    /// System scope: the janitor sweeps expired leases of every tenant (<see cref="JobSql.ExpiredLeases"/> skips rows another
    /// replica's janitor holds, so two share the sweep). Each job ends with a compare-and-set, its <c>lease_expired</c> and
    /// follow-up events, and for a job that ended its tenant event, each in one statement for the sweep.
    /// </summary>
    public Task<IReadOnlyList<ExpiredLease>> ExpireLeasesAsync(CancellationToken cancellationToken) =>
        database.SystemWriteAsync<IReadOnlyList<ExpiredLease>>(async session =>
        {
            var sql = session.Dialect.Jobs;
            var now = Now();
            var expiredJobs = (await session.QueryAsync<JobRecord>(sql.ExpiredLeases, new { now })).ToList();
            if (expiredJobs.Count == 0) return [];
            var expired = new List<ExpiredLease>(expiredJobs.Count);
            var notBefores = new List<DateTimeOffset?>(expiredJobs.Count);
            var reasons = new List<string>(expiredJobs.Count);
            var events = new List<NewEvent>(expiredJobs.Count * 2);
            foreach (var job in expiredJobs)
            {
                var expiry = ExpiryOf(job);
                expired.Add(new ExpiredLease(job.Id, job.TenantId, job.AgentId, job.Attempt, expiry.NewState));
                notBefores.Add(now + expiry.RetryDelay);
                reasons.Add(expiry.Reason);
                events.Add(new NewEvent(job.TenantId, job.Id, JobEventTypes.LeaseExpired, job.Attempt, job.AgentId, expiry.Reason));
                events.Add(new NewEvent(job.TenantId, job.Id, expiry.FollowUpType, job.Attempt, job.AgentId, expiry.FollowUpMessage));
            }

            // The rows are locked by this transaction (or read under the single writer), so the fenced update takes every one.
            await session.ExecuteAsync(sql.LeaseExpiry, new
            {
                now,
                ids = ValueList.Of(expired.Select(e => e.JobId)),
                attempts = ValueList.Of(expired.Select(e => e.Attempt)),
                newStates = ValueList.Of(expired.Select(e => e.NewState.ToText())),
                reasons = ValueList.Of(reasons),
                notBefores = ValueList.Of(notBefores),
            });
            await AppendJobEventsAsync(session, now, events);
            // Jobs that ended here announce it to their tenants in this same transaction.
            var ended = expiredJobs
                .Select((job, i) => job with { State = expired[i].NewState, FinishedAt = now, Error = reasons[i], LeaseExpiresAt = null })
                .Select(TenantEventPayloads.ForFinishedJob)
                .OfType<NewTenantEvent>()
                .ToList();
            await TenantEvents.QueueAsync(session, ended, now);
            return expired;
        }, cancellationToken);
}
