using Baton.Core.Dispatch;
using Baton.Core.Jobs;
using Baton.Storage.Model;

namespace Baton.Storage.Relational;

// Claims: handing a tenant's ready jobs to a batch of its agents. The decisions are made here once (the tenant's cap,
// the queues' caps and reservations, the agents' free slots and resources, fair share across the batch: ClaimPlan and
// JobChooser); a dialect supplies the locking reads (JobSql.ClaimActiveCount, ClaimState), the candidate statement and window
// (JobSql.ClaimCandidates, FirstWindow) and the assignment (JobSql.JobAssignment).
internal sealed partial class JobStore
{
    /// <summary>
    /// One write for every agent in <paramref name="requests"/> (a batched claim): a tenant with nothing due leaves at once;
    /// otherwise the tenant's claims are serialised (PostgreSQL: the tenant's advisory lock; SQLite: the single writer),
    /// its active count, queues and the agents' loads read, the ready candidates read in claim order (a small window first
    /// where the backend reads one), <see cref="JobChooser.ChooseForEach{T}"/> picks what each agent takes, spending the
    /// tenant's and queues' budgets across the agents, and the picks are assigned with a compare-and-set on their state.
    /// </summary>
    public Task<ClaimBatchResult> ClaimManyAsync(string tenantId, IReadOnlyList<JobClaimRequest> requests, CancellationToken cancellationToken)
    {
        ClaimBatchResult.Validate(tenantId, requests);
        var empty = ClaimBatchResult.Empty(requests.Count, noneReady: false);
        if (requests.All(r => r.MaxJobs <= 0)) return Task.FromResult(empty);
        var first = requests[0];
        return database.WriteAsync(tenantId, async session =>
        {
            // Most polls of a quiet tenant find nothing to do: they leave without queueing for the tenant's lock.
            var now = Now();
            var anyReady = await session.ScalarAsync<bool>(
                "SELECT EXISTS (SELECT 1 FROM jobs WHERE tenant_id = @tenantId AND state = 'pending' AND (not_before IS NULL OR not_before <= @now));",
                new { tenantId, now });
            if (!anyReady) return ClaimBatchResult.Empty(requests.Count, noneReady: true);

            var agentIds = requests.Select(r => r.AgentId).Distinct(StringComparer.Ordinal).ToArray();
            var reads = await ReadClaimStateAsync(session, tenantId, agentIds, first.TenantConcurrencyLimit);
            if (reads is null) return empty;
            // The reads may have waited for the tenant's lock.
            now = Now();
            var tenantFree = first.TenantConcurrencyLimit - reads.Active;
            if (tenantFree <= 0) return empty;

            // Effective priority: the job's plus its queue's; queues that can give no agent of the batch anything are left out.
            // No row locks: claims of the tenant are serialised, and the assignment only takes rows still pending (a cancel or
            // release that got there first simply leaves a job out).
            var plan = new ClaimPlan(requests, reads.Queues, reads.Loads, tenantFree, now);
            var sql = session.Dialect.Jobs;
            var wanted = plan.SlotsWanted;
            var window = plan.CandidateLimit;
            var firstWindow = sql.FirstClaimWindow(wanted, window);
            var candidates = await ReadCandidatesAsync(firstWindow);
            var read = firstWindow;
            var chosen = plan.Choose(candidates);
            if (chosen.Sum(list => list.Count) < Math.Min(wanted, tenantFree) && candidates.Count == firstWindow && firstWindow < window)
            {
                read = window;
                candidates = await ReadCandidatesAsync(window);
                chosen = plan.Choose(candidates);
            }
            var picks = chosen.SelectMany((jobs, i) => jobs.Select(job => (Job: job, requests[i].AgentId))).ToList();
            if (picks.Count == 0) return empty;

            async Task<List<JobRecord>> ReadCandidatesAsync(int limit) =>
                (await session.QueryAsync<JobRecord>(
                    sql.ClaimCandidates(plan.Queues.OrderBy), new { tenantId, now, blocked = new TextList(plan.Queues.Blocked), limit })).ToList();

            var assigned = await AssignAsync(session, tenantId, picks, now, now + first.LeaseTtl);
            // Each agent gets its jobs back in claim order.
            return new ClaimBatchResult(
                [.. chosen.Select(jobs => (IReadOnlyList<JobRecord>)[.. jobs.Where(job => assigned.ContainsKey(job.Id)).Select(job => assigned[job.Id])])],
                NoneReady: ClaimBatchResult.Exhausted(candidates.Count, read, assigned.Count, plan.Queues.Blocked.Length));
        }, cancellationToken);
    }

    /// <summary>
    /// Serialises the tenant's claims (PostgreSQL: the tenant's advisory lock across replicas; SQLite: the single writer) and
    /// reads, after that, its active count, its queues' capacities and the loads of <paramref name="agentIds"/>; null when
    /// the tenant is at <paramref name="tenantLimit"/> already and the dialect reads the count first
    /// (<see cref="JobSql.ClaimActiveCount"/>), else the count comes with the rest in one round trip.
    /// </summary>
    private static async Task<ClaimReads?> ReadClaimStateAsync(StoreSession session, string tenantId, string[] agentIds, int tenantLimit)
    {
        var sql = session.Dialect.Jobs;
        var active = 0;
        if (sql.ClaimActiveCount is { } countFirst)
        {
            active = await session.ScalarAsync<int>(countFirst, new { tenantId });
            if (tenantLimit - active <= 0) return null;
        }
        using var reads = await session.QueryMultipleAsync(sql.ClaimState, new { tenantId, agentIds });
        if (sql.ClaimActiveCount is null)
        {
            await reads.ReadAsync();
            active = await reads.ReadSingleAsync<int>();
        }
        var queues = (await reads.ReadAsync<QueueCapacityRow>()).ToList();
        var loads = (await reads.ReadAsync<AgentLoadRow>()).ToDictionary(row => row.AgentId, row => row.ToLoad(), StringComparer.Ordinal);
        return new ClaimReads(active, queues, loads);
    }

    /// <summary>
    /// Assigns each picked job to its agent (attempt + 1, lease until <paramref name="leaseExpiresAt"/>) if it is still
    /// pending, with its <c>assigned</c> event, in one statement; answers the assigned jobs by id.
    /// </summary>
    private static async Task<IReadOnlyDictionary<string, JobRecord>> AssignAsync(
        StoreSession session, string tenantId, IReadOnlyList<(JobRecord Job, string AgentId)> picks, DateTimeOffset now, DateTimeOffset leaseExpiresAt)
    {
        var claimed = await session.QueryAsync<JobRecord>(session.Dialect.Jobs.JobAssignment, new
        {
            tenantId,
            now,
            leaseExpiresAt,
            ids = ValueList.Of(picks.Select(p => p.Job.Id)),
            agentIds = ValueList.Of(picks.Select(p => p.AgentId)),
        });
        // RETURNING has no order: the claim puts each agent's jobs back in claim order.
        return claimed.ToDictionary(job => job.Id, StringComparer.Ordinal);
    }

    /// <summary>What a claim reads under the tenant's lock.</summary>
    private sealed record ClaimReads(int Active, IReadOnlyList<QueueCapacityRow> Queues, IReadOnlyDictionary<string, AgentLoad> Loads);
}
