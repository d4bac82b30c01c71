using Baton.Core.AgentProtocol;
using Baton.Core.Jobs;
using Baton.Storage.Model;

namespace Baton.Storage.Relational;

// The rules of an attempt's life that every backend's busy paths apply (each in its own statements): who may start,
// who may write logs, what a completion retried after a lost answer gets, which assignments never reached their
// agent, and how an expired lease ends. The completion's own rule is AttemptEnding.
internal abstract partial class JobStore
{
    /// <summary>
    /// Whether agent <c>@AgentId</c> ended attempt <c>@Attempt</c> of job <c>@JobId</c> itself (a completion event under its
    /// name) rather than losing it to a lease expiry: a completion retried after a lost answer gets the same answer again,
    /// a late result after expiry stays refused.
    /// </summary>
    protected const string CompletedByAgent =
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
    protected static AttemptWriteResult? StartAnswer(string? state, string? agentId, int attempt, AttemptStart start)
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
    protected static bool HoldsAttempt(string state, string? holder, int heldAttempt, string agentId, int attempt) =>
        state is "assigned" or "running" && holder == agentId && heldAttempt == attempt;

    /// <summary>The assignments among <paramref name="assigned"/> that the agent does not report running (they never reached it).</summary>
    protected static List<JobRecord> Undelivered(IEnumerable<JobRecord> assigned, IReadOnlyList<JobRef> running)
    {
        var held = running.Select(r => (r.JobId, r.Attempt)).ToHashSet();
        return [.. assigned.Where(job => !held.Contains((job.Id, job.Attempt)))];
    }

    protected static string ReleasedMessage(string agentId) =>
        $"the assignment never reached agent {agentId}; back in the queue, attempt not spent";

    /// <summary>
    /// How an expired lease ends <paramref name="job"/>: cancelled when a cancellation was asked for, back to pending after the
    /// retry delay while attempts are left, else failed; the <c>lease_expired</c> event carries <see cref="LeaseExpiry.Reason"/>,
    /// the follow-up event the rest.
    /// </summary>
    protected LeaseExpiry ExpiryOf(JobRecord job)
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

    /// <summary>An expired lease's ending: the new state, the retry delay when it goes back to pending, and its events' texts.</summary>
    protected sealed record LeaseExpiry(JobState NewState, TimeSpan? RetryDelay, string Reason, string FollowUpType, string FollowUpMessage);
}
