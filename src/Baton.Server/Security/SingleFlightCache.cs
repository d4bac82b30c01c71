using System.Collections.Concurrent;

namespace Baton.Server.Security;

/// <summary>
/// Records read from the store and kept for a fixed lifetime, with at most one read of a key in flight: the callers
/// that miss an expired entry together wait for one read instead of each making its own. Under load that matters
/// more than the read itself: when a hot entry (the API key or tenant every request looks up) expired behind a
/// queue of requests, each of them read it, each on a pooled connection of its own, and on PostgreSQL that grew the
/// pool to its maximum every few seconds (1,065 key reads in 25 s of the `api` bench instead of five).
/// <para>
/// <see cref="Invalidate"/> drops the entry at once and keeps a read already in flight from storing what it read
/// (it may predate the change); callers already waiting for that read still get its result, as they would have
/// without the cache. A read is not cancelled by one caller giving up (others may be waiting for it); a failed read
/// is not kept, and its callers see its exception.
/// </para>
/// </summary>
public sealed class SingleFlightCache<TValue>
{
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _time;
    private readonly int _maxEntries;
    private readonly Func<string, Task<TValue>> _read;
    private readonly ConcurrentDictionary<string, (TValue Value, DateTimeOffset At)> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task<TValue>> _reads = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _invalidations;

    /// <param name="lifetime">How long an entry is served after its read started.</param>
    /// <param name="time">The clock.</param>
    /// <param name="maxEntries">Beyond this many entries the cache starts again empty (a bound on memory, not an LRU).</param>
    /// <param name="read">Reads one key from the store.</param>
    public SingleFlightCache(TimeSpan lifetime, TimeProvider time, int maxEntries, Func<string, Task<TValue>> read)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        _lifetime = lifetime;
        _time = time;
        _maxEntries = maxEntries;
        _read = read;
    }

    /// <summary>Reads in flight (for tests).</summary>
    internal int ReadsInFlight => _reads.Count;

    public Task<TValue> GetAsync(string key, CancellationToken cancellationToken)
    {
        if (_entries.TryGetValue(key, out var hit) && _time.GetUtcNow() - hit.At < _lifetime) return Task.FromResult(hit.Value);
        while (true)
        {
            if (_reads.TryGetValue(key, out var running)) return running.WaitAsync(cancellationToken);
            var completion = new TaskCompletionSource<TValue>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_reads.TryAdd(key, completion.Task)) continue;
            _ = ReadAsync(key, completion);
            return completion.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Forgets <paramref name="key"/> now: the next lookup reads it again, and a read in flight does not store its result.</summary>
    public void Invalidate(string key)
    {
        lock (_gate)
        {
            Interlocked.Increment(ref _invalidations);
            _entries.TryRemove(key, out _);
        }
        _reads.TryRemove(key, out _);
    }

    private async Task ReadAsync(string key, TaskCompletionSource<TValue> completion)
    {
        var invalidations = Interlocked.Read(ref _invalidations);
        var readAt = _time.GetUtcNow();
        try
        {
            var value = await _read(key);
            lock (_gate)
            {
                // An invalidation while the read ran may concern this key: serve what was read, keep nothing.
                if (Interlocked.Read(ref _invalidations) == invalidations)
                {
                    if (_entries.Count >= _maxEntries) _entries.Clear();
                    _entries[key] = (value, readAt);
                }
            }
            _reads.TryRemove(new KeyValuePair<string, Task<TValue>>(key, completion.Task));
            completion.TrySetResult(value);
        }
        catch (Exception ex)
        {
            _reads.TryRemove(new KeyValuePair<string, Task<TValue>>(key, completion.Task));
            completion.TrySetException(ex);
        }
    }
}
