namespace Baton.Core.Scheduling;

/// <summary>What a fire does while the schedule's previous run is still pending or running.</summary>
public enum ConcurrencyPolicy
{
    /// <summary>Runs overlap.</summary>
    Allow,
    /// <summary>The fire is dropped.</summary>
    Skip,
    /// <summary>The fire waits for the previous run to end; while one waits, further fires are dropped.</summary>
    QueueOne,
    /// <summary>The previous run is cancelled and the fire runs.</summary>
    CancelPrevious,
}

public enum ConcurrencyAction
{
    Submit,
    SkipFire,
    /// <summary>Keep the fire as the schedule's one queued fire; submit it when the previous run ends.</summary>
    QueueFire,
    CancelPreviousAndSubmit,
}

public static class ConcurrencyPolicies
{
    public const string Allowed = "allow, skip, queue-one, cancel-previous";

    public static string ToText(this ConcurrencyPolicy policy) => policy switch
    {
        ConcurrencyPolicy.Allow => "allow",
        ConcurrencyPolicy.Skip => "skip",
        ConcurrencyPolicy.QueueOne => "queue-one",
        ConcurrencyPolicy.CancelPrevious => "cancel-previous",
        _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, null),
    };

    public static bool TryParse(string? text, out ConcurrencyPolicy policy)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "" or "allow": policy = ConcurrencyPolicy.Allow; return true;
            case "skip": policy = ConcurrencyPolicy.Skip; return true;
            case "queue-one" or "queue": policy = ConcurrencyPolicy.QueueOne; return true;
            case "cancel-previous" or "cancel": policy = ConcurrencyPolicy.CancelPrevious; return true;
            default: policy = default; return false;
        }
    }

    /// <param name="previousActive">The schedule's last job is pending, assigned or running.</param>
    /// <param name="fireAlreadyQueued">A fire is already waiting for that job to end.</param>
    public static ConcurrencyAction Decide(ConcurrencyPolicy policy, bool previousActive, bool fireAlreadyQueued)
    {
        if (!previousActive) return ConcurrencyAction.Submit;
        return policy switch
        {
            ConcurrencyPolicy.Allow => ConcurrencyAction.Submit,
            ConcurrencyPolicy.Skip => ConcurrencyAction.SkipFire,
            ConcurrencyPolicy.QueueOne => fireAlreadyQueued ? ConcurrencyAction.SkipFire : ConcurrencyAction.QueueFire,
            ConcurrencyPolicy.CancelPrevious => ConcurrencyAction.CancelPreviousAndSubmit,
            _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, null),
        };
    }
}
