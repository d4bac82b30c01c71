namespace Baton.Core.Jobs;

/// <summary>The states of a job. Stored as stable lower-case text; see <see cref="JobStates"/>.</summary>
public enum JobState
{
    Pending,
    Assigned,
    Running,
    Succeeded,
    Failed,
    Cancelled,
    TimedOut,
}

/// <summary>The one place that maps <see cref="JobState"/> to its stored and wire text.</summary>
public static class JobStates
{
    public static string ToText(this JobState state) => state switch
    {
        JobState.Pending => "pending",
        JobState.Assigned => "assigned",
        JobState.Running => "running",
        JobState.Succeeded => "succeeded",
        JobState.Failed => "failed",
        JobState.Cancelled => "cancelled",
        JobState.TimedOut => "timed_out",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static bool TryParse(string? text, out JobState state)
    {
        switch (text)
        {
            case "pending": state = JobState.Pending; return true;
            case "assigned": state = JobState.Assigned; return true;
            case "running": state = JobState.Running; return true;
            case "succeeded": state = JobState.Succeeded; return true;
            case "failed": state = JobState.Failed; return true;
            case "cancelled": state = JobState.Cancelled; return true;
            case "timed_out": state = JobState.TimedOut; return true;
            default: state = default; return false;
        }
    }

    public static JobState Parse(string text) =>
        TryParse(text, out var state) ? state : throw new FormatException($"Unknown job state '{text}'.");

    public static bool IsTerminal(this JobState state) =>
        state is JobState.Succeeded or JobState.Failed or JobState.Cancelled or JobState.TimedOut;

    /// <summary>Assigned or running: the job holds a lease on an agent slot.</summary>
    public static bool IsActive(this JobState state) => state is JobState.Assigned or JobState.Running;

    public static IReadOnlyList<JobState> All { get; } = Enum.GetValues<JobState>();
}
