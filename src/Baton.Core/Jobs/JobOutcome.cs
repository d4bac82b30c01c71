namespace Baton.Core.Jobs;

/// <summary>How an attempt ended, as reported by the agent that ran it.</summary>
public enum JobOutcome
{
    Succeeded,
    Failed,
    TimedOut,
    Cancelled,
}

public static class JobOutcomes
{
    public static string ToText(this JobOutcome outcome) => outcome switch
    {
        JobOutcome.Succeeded => "succeeded",
        JobOutcome.Failed => "failed",
        JobOutcome.TimedOut => "timed_out",
        JobOutcome.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    public static bool TryParse(string? text, out JobOutcome outcome)
    {
        switch (text)
        {
            case "succeeded": outcome = JobOutcome.Succeeded; return true;
            case "failed": outcome = JobOutcome.Failed; return true;
            case "timed_out": outcome = JobOutcome.TimedOut; return true;
            case "cancelled": outcome = JobOutcome.Cancelled; return true;
            default: outcome = default; return false;
        }
    }

    /// <summary>The terminal state an outcome leads to when no retry follows.</summary>
    public static JobState ToFinalState(this JobOutcome outcome) => outcome switch
    {
        JobOutcome.Succeeded => JobState.Succeeded,
        JobOutcome.Failed => JobState.Failed,
        JobOutcome.TimedOut => JobState.TimedOut,
        JobOutcome.Cancelled => JobState.Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };
}
