using Baton.Server.Security;
using Microsoft.Extensions.Time.Testing;

namespace Baton.Server.Tests.Security;

public sealed class SingleFlightCacheTests
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    /// <summary>A store read the test completes by hand; counts the reads made.</summary>
    private sealed class Reads
    {
        private int _count;
        public TaskCompletionSource<string?> Pending { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Count => Volatile.Read(ref _count);

        /// <summary>The next read answers <paramref name="value"/> at once.</summary>
        public void AnswerNext(string? value)
        {
            Pending = new(TaskCreationOptions.RunContinuationsAsynchronously);
            Pending.SetResult(value);
        }

        public Task<string?> ReadAsync(string key)
        {
            Interlocked.Increment(ref _count);
            return Pending.Task;
        }
    }

    private static (SingleFlightCache<string?> Cache, Reads Reads, FakeTimeProvider Time) Create()
    {
        var reads = new Reads();
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-07T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        return (new SingleFlightCache<string?>(Lifetime, time, 1000, reads.ReadAsync), reads, time);
    }

    [Fact]
    public async Task Callers_missing_the_same_key_together_share_one_read()
    {
        var (cache, reads, _) = Create();
        var callers = Enumerable.Range(0, 50).Select(_ => cache.GetAsync("k", CancellationToken.None)).ToList();
        Assert.Equal(1, reads.Count);
        Assert.All(callers, caller => Assert.False(caller.IsCompleted));

        reads.Pending.SetResult("v1");
        Assert.All(await Task.WhenAll(callers), value => Assert.Equal("v1", value));
        Assert.Equal("v1", await cache.GetAsync("k", CancellationToken.None));
        Assert.Equal(1, reads.Count);
        Assert.Equal(0, cache.ReadsInFlight);
    }

    [Fact]
    public async Task An_entry_is_served_for_its_lifetime_then_read_again()
    {
        var (cache, reads, time) = Create();
        reads.Pending.SetResult("v1");
        Assert.Equal("v1", await cache.GetAsync("k", CancellationToken.None));

        time.Advance(Lifetime - TimeSpan.FromMilliseconds(1));
        reads.AnswerNext("v2");
        Assert.Equal("v1", await cache.GetAsync("k", CancellationToken.None));
        Assert.Equal(1, reads.Count);

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("v2", await cache.GetAsync("k", CancellationToken.None));
        Assert.Equal(2, reads.Count);
    }

    [Fact]
    public async Task Other_keys_are_read_on_their_own()
    {
        var (cache, reads, _) = Create();
        var a = cache.GetAsync("a", CancellationToken.None);
        var b = cache.GetAsync("b", CancellationToken.None);
        Assert.Equal(2, reads.Count);
        reads.Pending.SetResult("same");
        await Task.WhenAll(a, b);
    }

    [Fact]
    public async Task A_missing_record_is_cached_like_any_other()
    {
        var (cache, reads, _) = Create();
        reads.Pending.SetResult(null);
        Assert.Null(await cache.GetAsync("gone", CancellationToken.None));
        Assert.Null(await cache.GetAsync("gone", CancellationToken.None));
        Assert.Equal(1, reads.Count);
    }

    [Fact]
    public async Task Invalidating_drops_the_entry_at_once()
    {
        var (cache, reads, _) = Create();
        reads.Pending.SetResult("before");
        Assert.Equal("before", await cache.GetAsync("k", CancellationToken.None));

        cache.Invalidate("k");
        reads.AnswerNext("after");
        Assert.Equal("after", await cache.GetAsync("k", CancellationToken.None));
        Assert.Equal(2, reads.Count);
    }

    [Fact]
    public async Task A_read_in_flight_when_the_key_is_invalidated_is_not_kept_and_later_callers_read_again()
    {
        var (cache, reads, _) = Create();
        var early = cache.GetAsync("k", CancellationToken.None);
        var staleRead = reads.Pending;

        // The key is revoked while its read is in flight: a caller after that must not join the older read ...
        cache.Invalidate("k");
        reads.Pending = new(TaskCreationOptions.RunContinuationsAsynchronously);
        var late = cache.GetAsync("k", CancellationToken.None);
        Assert.Equal(2, reads.Count);

        // ... and the older read, finishing last, must not be stored over the newer one.
        reads.Pending.SetResult("revoked");
        Assert.Equal("revoked", await late);
        staleRead.SetResult("stale");
        Assert.Equal("stale", await early);
        Assert.Equal("revoked", await cache.GetAsync("k", CancellationToken.None));
        Assert.Equal(2, reads.Count);
    }

    [Fact]
    public async Task An_invalidation_of_another_key_during_a_read_costs_one_more_read_at_most()
    {
        var (cache, reads, _) = Create();
        var first = cache.GetAsync("k", CancellationToken.None);
        cache.Invalidate("other");
        reads.Pending.SetResult("v");
        Assert.Equal("v", await first);
        // Not kept (the invalidation might have concerned it): the next caller reads again and that read is kept.
        Assert.Equal("v", await cache.GetAsync("k", CancellationToken.None));
        Assert.Equal("v", await cache.GetAsync("k", CancellationToken.None));
        Assert.Equal(2, reads.Count);
    }

    [Fact]
    public async Task A_failed_read_reaches_every_waiting_caller_and_is_not_kept()
    {
        var (cache, reads, _) = Create();
        var callers = Enumerable.Range(0, 3).Select(_ => cache.GetAsync("k", CancellationToken.None)).ToList();
        reads.Pending.SetException(new InvalidOperationException("database down"));
        foreach (var caller in callers) await Assert.ThrowsAsync<InvalidOperationException>(() => caller);
        Assert.Equal(0, cache.ReadsInFlight);

        reads.AnswerNext("v");
        Assert.Equal("v", await cache.GetAsync("k", CancellationToken.None));
        Assert.Equal(2, reads.Count);
    }

    [Fact]
    public async Task A_caller_giving_up_does_not_cancel_the_read_for_the_others()
    {
        var (cache, reads, _) = Create();
        using var giveUp = new CancellationTokenSource();
        var impatient = cache.GetAsync("k", giveUp.Token);
        var patient = cache.GetAsync("k", CancellationToken.None);
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => impatient);

        reads.Pending.SetResult("v");
        Assert.Equal("v", await patient);
        Assert.Equal(1, reads.Count);
    }
}
