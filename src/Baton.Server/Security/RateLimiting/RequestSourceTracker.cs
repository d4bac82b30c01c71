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
        var counter = _sources.GetOrAdd((kind, source), static (_, at) => new Counter(at), now);
        Interlocked.Exchange(ref counter.LastSeenTicks, now.UtcTicks);
        if (_sources.Count > MaxSources) ForgetIdlest();
        return counter;
    }

    private void ForgetIdlest()
    {
        foreach (var key in _sources.OrderBy(s => Interlocked.Read(ref s.Value.LastSeenTicks)).Take(MaxSources / 10).Select(s => s.Key).ToList())
        {
            _sources.TryRemove(key, out _);
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
