using System.Collections.Concurrent;
using Baton.Storage;

namespace Baton.Server.Jobs;

/// <summary>
/// Each tenant's pending-job count for the backpressure check, read from the store at most once
/// per <see cref="Freshness"/> and counted up locally for submissions accepted in between, so a
/// burst of submissions does not count a 10,000-job backlog once per request. The pending cap is
/// a soft brake (see <see cref="JobSubmissionService"/>): a count up to one interval old, or not yet
/// seeing another replica's submissions, only moves the moment the brake engages. A refusal is
/// always decided on a fresh count, so jobs claimed a moment ago make room at once.
/// </summary>
public sealed class PendingJobCounts(IBatonStore store, TimeProvider time)
{
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Entry> _counts = new(StringComparer.Ordinal);

    /// <summary>The tenant's pending jobs: a recent count while it is below <paramref name="limit"/>, else a fresh one.</summary>
    public async ValueTask<int> GetAsync(string tenantId, int limit, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_counts.TryGetValue(tenantId, out var entry) && now - entry.ReadAt < Freshness && entry.Count < limit) return entry.Count;
        var count = await store.Jobs.CountPendingAsync(tenantId, cancellationToken);
        _counts[tenantId] = new Entry(count, now);
        return count;
    }

    /// <summary>A submission was accepted: one more pending until the next read.</summary>
    public void Added(string tenantId) =>
        _counts.AddOrUpdate(tenantId, _ => new Entry(1, DateTimeOffset.MinValue), (_, e) => e with { Count = e.Count + 1 });

    private sealed record Entry(int Count, DateTimeOffset ReadAt);
}
