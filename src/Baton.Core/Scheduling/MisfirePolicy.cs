namespace Baton.Core.Scheduling;

/// <summary>What a schedule does with fires that came due while no scheduler ran (downtime, a long pause of the process).</summary>
public enum MisfirePolicy
{
    /// <summary>All missed fires together make one job, now.</summary>
    FireOnceNow,
    /// <summary>Missed fires are dropped; the schedule waits for its next fire.</summary>
    SkipToNext,
    /// <summary>Each missed fire within the catch-up window makes its own job; older ones are dropped.</summary>
    CatchUp,
}

/// <summary>The fires to submit now, and how many due fires were dropped.</summary>
public sealed record MisfireDecision(IReadOnlyList<DateTimeOffset> FireTimes, int Skipped);

public static class MisfirePolicies
{
    public const string Allowed = "fire-once-now, skip-to-next, catch-up";
    /// <summary>A fire is on time (not missed) while it is at most this late.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromSeconds(15);
    /// <summary>Catch-up never submits more than this many missed fires at once.</summary>
    public const int MaxCatchUpFires = 100;

    public static string ToText(this MisfirePolicy policy) => policy switch
    {
        MisfirePolicy.FireOnceNow => "fire-once-now",
        MisfirePolicy.SkipToNext => "skip-to-next",
        MisfirePolicy.CatchUp => "catch-up",
        _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, null),
    };

    public static bool TryParse(string? text, out MisfirePolicy policy)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "" or "fire-once-now" or "fire-once": policy = MisfirePolicy.FireOnceNow; return true;
            case "skip-to-next" or "skip": policy = MisfirePolicy.SkipToNext; return true;
            case "catch-up" or "fire-each": policy = MisfirePolicy.CatchUp; return true;
            default: policy = default; return false;
        }
    }

    /// <summary>
    /// Decides which of the <paramref name="due"/> fires (ascending, all at or before <paramref name="now"/>)
    /// become jobs. Fires at most <paramref name="tolerance"/> late are on time and always fire (except
    /// that <see cref="MisfirePolicy.FireOnceNow"/> folds everything due into one job, keyed by the latest fire).
    /// </summary>
    public static MisfireDecision Decide(
        MisfirePolicy policy, TimeSpan catchUpWindow, IReadOnlyList<DateTimeOffset> due, DateTimeOffset now, TimeSpan tolerance)
    {
        if (due.Count == 0) return new([], 0);
        var onTime = due.Where(f => now - f <= tolerance).ToList();
        var missed = due.Count - onTime.Count;
        if (missed == 0) return new(onTime, 0);
        switch (policy)
        {
            case MisfirePolicy.FireOnceNow:
                return new([due[^1]], due.Count - 1);
            case MisfirePolicy.SkipToNext:
                return new(onTime, missed);
            case MisfirePolicy.CatchUp:
                var window = catchUpWindow > tolerance ? catchUpWindow : tolerance;
                var kept = due.Where(f => now - f <= window).TakeLast(MaxCatchUpFires).ToList();
                return new(kept, due.Count - kept.Count);
            default:
                throw new ArgumentOutOfRangeException(nameof(policy), policy, null);
        }
    }
}
