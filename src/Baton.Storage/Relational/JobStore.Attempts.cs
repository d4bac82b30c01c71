using Baton.Core.AgentProtocol;
using Baton.Core.Jobs;
using Baton.Storage.Model;
using Baton.Storage.Serialization;

namespace Baton.Storage.Relational;

// An attempt's life: the fenced writes of the agent holding it (start, completion) and the rules every backend's busy
// paths apply: who may start, who may write logs, what a completion retried after a lost answer gets, which assignments
// never reached their agent, and how an expired lease ends. The completion's own rule is AttemptEnding.
internal sealed partial class JobStore
{
    /// <summary>
    /// Whether agent <c>@AgentId</c> ended attempt <c>@Attempt</c> of job <c>@JobId</c> itself (a completion event under its
    /// name) rather than losing it to a lease expiry: a completion retried after a lost answer gets the same answer again,
    /// a late result after expiry stays refused.
    /// </summary>
    private const string CompletedByAgent =
        """
        SELECT EXISTS (
            SELECT 1 FROM job_events
            WHERE job_id = @JobId AND attempt = @Attempt AND agent_id = @AgentId
              AND type IN ('succeeded', 'failed', 'timed_out', 'cancelled'))
           AND NOT EXISTS (
            SELECT 1 FROM job_events
            WHERE job_id = @JobId AND attempt = @Attempt AND agent_id = @AgentId AND type = 'lease_expired');
        """;

    /// <summary>
    /// The answer to <paramref name="start"/> given the job as it is (<paramref name="state"/> null: no such job), or null
    /// when the job is assigned to the starting agent's attempt and may go to running.
    /// </summary>
    private static AttemptWriteResult? StartAnswer(string? state, string? agentId, int? attempt, AttemptStart start)
    {
        if (state is null) return AttemptWriteResult.NotFound;
        if (agentId != start.AgentId || attempt != start.Attempt) return AttemptWriteResult.Stale;
        return state switch
        {
            "running" => AttemptWriteResult.Ok,
            "assigned" => null,
            _ => AttemptWriteResult.InvalidState,
        };
    }

    /// <summary>Whether log lines of <paramref name="agentId"/>'s attempt <paramref name="attempt"/> may still be written.</summary>
    private static bool HoldsAttempt(string state, string? holder, int heldAttempt, string agentId, int attempt) =>
        state is "assigned" or "running" && holder == agentId && heldAttempt == attempt;

    /// <summary>The assignments among <paramref name="assigned"/> that the agent does not report running (they never reached it).</summary>
    private static List<JobRecord> Undelivered(IEnumerable<JobRecord> assigned, IReadOnlyList<JobRef> running)
    {
        var held = running.Select(r => (r.JobId, r.Attempt)).ToHashSet();
        return [.. assigned.Where(job => !held.Contains((job.Id, job.Attempt)))];
    }

    private static string ReleasedMessage(string agentId) =>
        $"the assignment never reached agent {agentId}; back in the queue, attempt not spent";

    /// <summary>
    /// How an expired lease ends <paramref name="job"/>: cancelled when a cancellation was asked for, back to pending after the
    /// retry delay while attempts are left, else failed; the <c>lease_expired</c> event carries <see cref="LeaseExpiry.Reason"/>,
    /// the follow-up event the rest.
    /// </summary>
    private LeaseExpiry ExpiryOf(JobRecord job)
    {
        var reason = $"lease expired: agent {job.AgentId} stopped responding";
        if (job.CancelRequested) return new LeaseExpiry(JobState.Cancelled, null, reason, JobEventText.TypeFor(JobState.Cancelled), "cancelled: " + reason);
        if (job.Attempt < job.MaxAttempts)
        {
            var delay = retryPolicy.DelayAfter(Math.Max(job.Attempt, 1));
            return new LeaseExpiry(JobState.Pending, delay, reason, JobEventTypes.RetryScheduled,
                $"retry in {JobEventText.Delay(delay)} (attempt {job.Attempt + 1} of {job.MaxAttempts})");
        }
        return new LeaseExpiry(JobState.Failed, null, reason, JobEventText.TypeFor(JobState.Failed), reason);
    }

    /// <summary>
    /// Several agents' starts in one write (one commit), in one statement for the batch: the compare-and-sets with their
    /// events, and each job as it was before, which explains a refusal (gone, another holder or attempt, already running, or
    /// not assigned); a start repeated in the batch (an agent retrying) is written once and answered alike. A batch of
    /// several tenants (group commit) runs in the system scope, each row fenced by its tenant, agent and attempt.
    /// </summary>
    public Task<IReadOnlyList<AttemptWriteResult>> MarkStartedManyAsync(IReadOnlyList<AttemptStart> starts, CancellationToken cancellationToken) =>
        starts.Count == 0
            ? Task.FromResult<IReadOnlyList<AttemptWriteResult>>([])
            : WriteForAsync(starts.Select(s => s.TenantId), session => StartAsync(session, starts), cancellationToken);

    /// <summary>
    /// A group commit's mixed batch in one write: submissions, then starts, then completions, each kind as its own batch
    /// method writes it (the same statements), in the tenant's scope when every row is one tenant's.
    /// </summary>
    public Task<JobWriteResults> WriteManyAsync(JobWrites writes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writes);
        var submissions = new SubmissionBatch(writes.Submissions);
        var tenants = writes.Submissions.Select(j => j.TenantId)
            .Concat(writes.Starts.Select(s => s.TenantId))
            .Concat(writes.Completions.Select(c => c.TenantId));
        if (writes.Count == 0) return Task.FromResult(new JobWriteResults([], [], []));
        return WriteForAsync(tenants, async session => new JobWriteResults(
            writes.Submissions.Count == 0 ? [] : await SubmitAsync(session, submissions),
            writes.Starts.Count == 0 ? [] : await StartAsync(session, writes.Starts),
            writes.Completions.Count == 0 ? [] : await CompleteAsync(session, writes.Completions)), cancellationToken);
    }

    private async Task<IReadOnlyList<AttemptWriteResult>> StartAsync(StoreSession session, IReadOnlyList<AttemptStart> starts)
    {
        var unique = starts.Distinct().ToList();
        var rows = (await session.QueryAsync<StartOutcomeRow>(session.Dialect.Jobs.AttemptStart, new
        {
            now = Now(),
            tenantIds = ValueList.Of(unique.Select(s => s.TenantId)),
            jobIds = ValueList.Of(unique.Select(s => s.JobId)),
            agentIds = ValueList.Of(unique.Select(s => s.AgentId)),
            attempts = ValueList.Of(unique.Select(s => s.Attempt)),
        })).ToList();
        var byStart = rows.ToDictionary(r => new AttemptStart(r.TenantId, r.JobId, r.RequestedAgentId, r.RequestedAttempt));
        return starts.Select(start => byStart.TryGetValue(start, out var row)
            ? (row.Started ? AttemptWriteResult.Ok : StartAnswer(row.State, row.AgentId, row.Attempt, start) ?? AttemptWriteResult.Stale)
            : AttemptWriteResult.NotFound).ToList();
    }

    /// <summary>A start of the batch, whether it started, and its job as it was (all null when there is no such job).</summary>
    private sealed record StartOutcomeRow(
        string TenantId, string JobId, string RequestedAgentId, int RequestedAttempt, bool Started, string? State, string? AgentId, int? Attempt);

    /// <summary>
    /// Several agents' completions in one write (one commit): the jobs read and locked in one statement
    /// (<see cref="JobSql.CompletionJobsLocked"/>, in id order), each ending decided (<see cref="AttemptEnding"/>), the
    /// compare-and-sets in one statement, then their job events and tenant events in one statement each.
    /// </summary>
    public Task<IReadOnlyList<(AttemptWriteResult Result, JobRecord? Job)>> CompleteAttemptsAsync(
        IReadOnlyList<AttemptCompletion> completions, CancellationToken cancellationToken) =>
        completions.Count == 0
            ? Task.FromResult<IReadOnlyList<(AttemptWriteResult, JobRecord?)>>([])
            : WriteForAsync(completions.Select(c => c.TenantId), session => CompleteAsync(session, completions), cancellationToken);

    private async Task<IReadOnlyList<(AttemptWriteResult, JobRecord?)>> CompleteAsync(StoreSession session, IReadOnlyList<AttemptCompletion> completions)
    {
        var sql = session.Dialect.Jobs;
        var jobs = (await session.QueryAsync<JobRecord>(sql.CompletionJobsLocked, new
        {
            jobIds = ValueList.Of(completions.Select(c => c.JobId)),
            tenantIds = ValueList.Of(completions.Select(c => c.TenantId)),
        })).ToDictionary(job => job.Id, StringComparer.Ordinal);

        var now = Now();
        var results = new (AttemptWriteResult, JobRecord?)[completions.Count];
        var writes = new List<(int Index, AttemptCompletion Completion, JobRecord Job, AttemptEnding Ending)>();
        var taken = new Dictionary<string, int>(StringComparer.Ordinal);
        var repeats = new List<(int Index, int SameAs)>();
        for (var i = 0; i < completions.Count; i++)
        {
            var completion = completions[i];
            if (!jobs.TryGetValue(completion.JobId, out var job))
            {
                results[i] = (AttemptWriteResult.NotFound, null);
            }
            else if (taken.TryGetValue(job.Id, out var first) && (completions[first].AgentId, completions[first].Attempt) == (completion.AgentId, completion.Attempt))
            {
                // The same completion twice in one batch (an agent retrying): answered like the first.
                repeats.Add((i, first));
            }
            else if (AttemptEnding.Holds(job, completion) && taken.TryAdd(job.Id, i))
            {
                writes.Add((i, completion, job, AttemptEnding.Decide(job, completion, retryPolicy)));
            }
            else
            {
                // An agent retrying a completion whose response it lost gets the same answer again.
                results[i] = await WasCompletedByAgentAsync(session, completion) ? (AttemptWriteResult.Ok, job) : (AttemptWriteResult.Stale, null);
            }
        }
        if (writes.Count == 0) return results;

        var updated = (await session.QueryAsync<JobRecord>(sql.AttemptCompletion, new
        {
            now,
            jobIds = ValueList.Of(writes.Select(w => w.Job.Id)),
            tenantIds = ValueList.Of(writes.Select(w => w.Job.TenantId)),
            agentIds = ValueList.Of(writes.Select(w => w.Completion.AgentId)),
            attempts = ValueList.Of(writes.Select(w => w.Completion.Attempt)),
            fromStates = ValueList.Of(writes.Select(w => w.Job.State.ToText())),
            newStates = ValueList.Of(writes.Select(w => w.Ending.NewState.ToText())),
            retries = ValueList.Of(writes.Select(w => w.Ending.Retry)),
            notBefores = ValueList.Of(writes.Select(w => now + w.Ending.RetryDelay)),
            resultTexts = ValueList.Of(writes.Select(w => StoredJson.ToText(w.Completion.Result))),
            exitCodes = ValueList.Of(writes.Select(w => w.Completion.ExitCode)),
            errors = ValueList.Of(writes.Select(w => w.Completion.Error)),
        })).ToDictionary(job => job.Id, StringComparer.Ordinal);

        var events = new List<NewEvent>();
        var tenantEvents = new List<NewTenantEvent>();
        foreach (var (index, completion, job, ending) in writes)
        {
            if (!updated.TryGetValue(job.Id, out var finished))
            {
                results[index] = (AttemptWriteResult.Stale, null);
                continue;
            }
            results[index] = (AttemptWriteResult.Ok, finished);
            events.AddRange(ending.Events.Select(e => new NewEvent(job.TenantId, job.Id, e.Type, job.Attempt, completion.AgentId, e.Message)));
            if (TenantEventPayloads.ForFinishedJob(finished) is { } tenantEvent) tenantEvents.Add(tenantEvent);
        }
        await AppendJobEventsAsync(session, now, events);
        await TenantEvents.QueueAsync(session, tenantEvents, now);
        foreach (var (index, first) in repeats) results[index] = results[first];
        return results;
    }

    private static Task<bool> WasCompletedByAgentAsync(StoreSession session, AttemptCompletion completion) =>
        session.ScalarAsync<bool>(CompletedByAgent, new { completion.JobId, completion.Attempt, completion.AgentId });

    /// <summary>Records job events in <paramref name="session"/>'s write, in one statement, in list order (their ids follow it).</summary>
    private static Task AppendJobEventsAsync(StoreSession session, DateTimeOffset at, IReadOnlyList<NewEvent> events) =>
        events.Count == 0 ? Task.CompletedTask : session.ExecuteAsync(session.Dialect.Jobs.JobEventsInsert, new
        {
            at,
            tenantIds = ValueList.Of(events.Select(e => e.TenantId)),
            jobIds = ValueList.Of(events.Select(e => e.JobId)),
            types = ValueList.Of(events.Select(e => e.Type)),
            attempts = ValueList.Of(events.Select(e => e.Attempt)),
            agentIds = ValueList.Of(events.Select(e => e.AgentId)),
            messages = ValueList.Of(events.Select(e => e.Message)),
        });

    /// <summary>
    /// A batched write's transaction: in the tenant's scope when every row is one tenant's, else in the system scope
    /// (group commit across tenants), where every statement fences each row by the tenant the server gave it.
    /// </summary>
    private Task<T> WriteForAsync<T>(IEnumerable<string> tenantIds, Func<StoreSession, Task<T>> work, CancellationToken cancellationToken)
    {
        var distinct = tenantIds.Distinct(StringComparer.Ordinal).Take(2).ToList();
        return distinct.Count == 1 ? database.WriteAsync(distinct[0], work, cancellationToken) : database.SystemWriteAsync(work, cancellationToken);
    }

    /// <summary>An expired lease's ending: the new state, the retry delay when it goes back to pending, and its events' texts.</summary>
    private sealed record LeaseExpiry(JobState NewState, TimeSpan? RetryDelay, string Reason, string FollowUpType, string FollowUpMessage);
}
