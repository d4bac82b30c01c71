namespace Baton.Core.Dispatch;

/// <summary>
/// A ready pending job as the chooser sees it. <see cref="EffectivePriority"/> is the job's priority
/// plus its queue's; <see cref="Priority"/> is the job's own (what capacity reservations compare).
/// Resource requests of 0 ask for nothing.
/// </summary>
public sealed record DispatchCandidate(
    string Id,
    string Queue,
    int Priority,
    int EffectivePriority,
    DateTimeOffset SubmittedAt,
    int CpuMillicores,
    long MemoryMb,
    string PackageSha256)
{
    /// <summary>Claim order: higher effective priority first, then older, then id.</summary>
    public static int CompareClaimOrder(DispatchCandidate a, DispatchCandidate b)
    {
        var byPriority = b.EffectivePriority.CompareTo(a.EffectivePriority);
        if (byPriority != 0) return byPriority;
        var byAge = a.SubmittedAt.CompareTo(b.SubmittedAt);
        return byAge != 0 ? byAge : string.CompareOrdinal(a.Id, b.Id);
    }
}
