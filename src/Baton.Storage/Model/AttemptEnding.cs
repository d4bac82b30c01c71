using Baton.Core.Jobs;

namespace Baton.Storage.Model;

/// <summary>
/// How a completion ends the attempt its agent holds — the rule both stores apply inside their compare-and-set:
/// a failure with attempts left (and not marked NoRetry by the agent) goes back to pending after a retry delay (failed, then retry_scheduled events);
/// a job whose cancellation was requested ends cancelled unless it succeeded; otherwise the outcome's final state.
/// </summary>
internal sealed record AttemptEnding(JobState NewState, bool Retry, TimeSpan RetryDelay, IReadOnlyList<(string Type, string Message)> Events)
{
    /// <summary>Whether the completing agent holds the attempt (the job is active under its name and number).</summary>
    public static bool Holds(JobRecord job, AttemptCompletion completion) =>
        job.State.IsActive() && job.AgentId == completion.AgentId && job.Attempt == completion.Attempt;

    public static AttemptEnding Decide(JobRecord job, AttemptCompletion completion, RetryPolicy retryPolicy)
    {
        var retry = !job.CancelRequested && !completion.NoRetry && RetryPolicy.ShouldRetry(completion.Outcome, job.Attempt, job.MaxAttempts);
        if (retry)
        {
            var delay = retryPolicy.DelayAfter(job.Attempt);
            return new AttemptEnding(JobState.Pending, true, delay,
            [
                (JobEventTypes.Failed, JobEventText.Outcome(completion)),
                (JobEventTypes.RetryScheduled, $"retry in {JobEventText.Delay(delay)} (attempt {job.Attempt + 1} of {job.MaxAttempts})"),
            ]);
        }
        var final = job.CancelRequested && completion.Outcome != JobOutcome.Succeeded ? JobState.Cancelled : completion.Outcome.ToFinalState();
        var message = final == JobState.Cancelled ? "cancelled on request; " + JobEventText.Outcome(completion) : JobEventText.Outcome(completion);
        return new AttemptEnding(final, false, TimeSpan.Zero, [(JobEventText.TypeFor(final), message)]);
    }
}

/// <summary>An agent's report that it started the attempt it holds.</summary>
public sealed record AttemptStart(string TenantId, string JobId, string AgentId, int Attempt);
