using System.Globalization;
using Baton.Core.Jobs;

namespace Baton.Storage.Model;

/// <summary>Event types and messages every backend writes the same way.</summary>
internal static class JobEventText
{
    public static string TypeFor(JobState finalState) => finalState switch
    {
        JobState.Succeeded => JobEventTypes.Succeeded,
        JobState.Failed => JobEventTypes.Failed,
        JobState.TimedOut => JobEventTypes.TimedOut,
        JobState.Cancelled => JobEventTypes.Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(finalState), finalState, "Not a final state."),
    };

    public static string Delay(TimeSpan delay) => delay.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";

    public static string Outcome(AttemptCompletion completion)
    {
        var text = completion.Outcome.ToText();
        // Exit code 0 with an error: the process ended well and something after it failed (a result too large): the error says what.
        if (completion.ExitCode is { } code && !(code == 0 && !string.IsNullOrEmpty(completion.Error))) text += $" (exit code {code})";
        if (!string.IsNullOrEmpty(completion.Error)) text += ": " + Truncate(completion.Error, 500);
        return text;
    }

    public static string PriorityChanged(int from, int to) =>
        string.Create(CultureInfo.InvariantCulture, $"priority changed from {from} to {to}");

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";
}
