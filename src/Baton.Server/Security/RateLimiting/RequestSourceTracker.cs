using System.Collections.Concurrent;
using Baton.Core.Throttling;

namespace Baton.Server.Security.RateLimiting;

/// <summary>
/// Counts authentication failures, rate-limit refusals and admitted writes per address and per API key on this replica
/// (<see cref="IRequestSourceCounters"/>). Memory stays bounded: past <see cref="MaxSources"/> sources, the tenth
/// idle longest is forgotten.
/// </summary>
public sealed class RequestSourceTracker(TimeProvider time) : IRequestSourceCounters
{
    public const int MaxSources = 20_000;

    private readonly ConcurrentDictionary<(RequestSourceKind, string), Counter> _sources = new();
    private readonly Lock _forgetting = new();
    private int _count;

    public void AuthenticationFailed(RequestSourceKind kind, string source) => Interlocked.Increment(ref Get(kind, source).AuthenticationFailures);

    public void Refused(RequestSourceKind kind, string source) => Interlocked.Increment(ref Get(kind, source).Refusals);

    public void Wrote(RequestSourceKind kind, string source) => Interlocked.Increment(ref Get(kind, source).Writes);

    public IReadOnlyList<RequestSourceCounts> Snapshot(int top = 100) =>
        [.. _sources
            .Select(s => new RequestSourceCounts(s.Key.Item1, s.Key.Item2, Interlocked.Read(ref s.Value.AuthenticationFailures),
                Interlocked.Read(ref s.Value.Refusals), Interlocked.Read(ref s.Value.Writes), s.Value.FirstSeen, new DateTimeOffset(Interlocked.Read(ref s.Value.LastSeenTicks), TimeSpan.Zero)))
            .OrderByDescending(c => c.AuthenticationFailures + c.Refusals)
            .ThenByDescending(c => c.Writes)
            .Take(Math.Max(0, top))];

    private Counter Get(RequestSourceKind kind, string source)
    {
        var now = time.GetUtcNow();
        if (!_sources.TryGetValue((kind, source), out var counter))
        {
            counter = new Counter(now);
            if (_sources.TryAdd((kind, source), counter))
            {
                // Counted by hand: ConcurrentDictionary.Count takes every lock of the table.
                if (Interlocked.Increment(ref _count) > MaxSources) ForgetIdlest();
            }
            else
            {
                counter = _sources.GetOrAdd((kind, source), counter);
            }
        }
        Interlocked.Exchange(ref counter.LastSeenTicks, now.UtcTicks);
        return counter;
    }

    private void ForgetIdlest()
    {
        lock (_forgetting)
        {
            if (Volatile.Read(ref _count) <= MaxSources) return;
            foreach (var key in _sources.OrderBy(s => Interlocked.Read(ref s.Value.LastSeenTicks)).Take(MaxSources / 10).Select(s => s.Key).ToList())
            {
                if (_sources.TryRemove(key, out _)) Interlocked.Decrement(ref _count);
            }
        }
    }

    private sealed class Counter(DateTimeOffset firstSeen)
    {
        public long AuthenticationFailures;
        public long Refusals;
        public long Writes;
        public long LastSeenTicks = firstSeen.UtcTicks;
        public DateTimeOffset FirstSeen { get; } = firstSeen;
    }
}
