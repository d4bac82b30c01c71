using Baton.Server.Security;

namespace Baton.Server.Tests.Security;

public sealed class BatchedLookupTests
{
    private sealed class Reads
    {
        private readonly Lock _gate = new();
        public List<IReadOnlyCollection<string>> Batches { get; } = [];
        public TaskCompletionSource Release { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<IReadOnlyDictionary<string, string>> ReadAsync(IReadOnlyCollection<string> ids)
        {
            lock (_gate) Batches.Add([.. ids]);
            await Release.Task;
            return ids.Where(id => !id.StartsWith("missing", StringComparison.Ordinal)).ToDictionary(id => id, id => "record of " + id, StringComparer.Ordinal);
        }

        public int Count
        {
            get
            {
                lock (_gate) return Batches.Count;
            }
        }
    }

    [Fact]
    public async Task A_lone_lookup_is_read_at_once_and_a_herd_arriving_meanwhile_is_read_together()
    {
        var reads = new Reads();
        var lookup = new BatchedLookup<string>(reads.ReadAsync, maxBatch: 500);

        var first = lookup.FindAsync("agent-0", CancellationToken.None);
        await WaitUntilAsync(() => reads.Count == 1);
        var herd = Enumerable.Range(1, 300).Select(i => lookup.FindAsync($"agent-{i}", CancellationToken.None)).ToList();
        var missing = lookup.FindAsync("missing-1", CancellationToken.None);
        reads.Release.SetResult();

        Assert.Equal("record of agent-0", await first);
        Assert.Equal(Enumerable.Range(1, 300).Select(i => $"record of agent-{i}"), await Task.WhenAll(herd));
        Assert.Null(await missing);
        Assert.Equal(2, reads.Count);
        Assert.Equal(301, reads.Batches[1].Count);
    }

    [Fact]
    public async Task Batches_are_capped_and_askers_of_one_id_share_its_read()
    {
        var reads = new Reads();
        var lookup = new BatchedLookup<string>(reads.ReadAsync, maxBatch: 10);
        var blocker = lookup.FindAsync("first", CancellationToken.None);
        await WaitUntilAsync(() => reads.Count == 1);
        var many = Enumerable.Range(0, 25).Select(i => lookup.FindAsync($"id-{i % 12}", CancellationToken.None)).ToList();
        reads.Release.SetResult();

        await blocker;
        var found = await Task.WhenAll(many);
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"record of id-{i % 12}"), found);
        // 12 distinct ids in batches of at most 10: two reads after the first.
        Assert.Equal(3, reads.Count);
        Assert.All(reads.Batches, batch => Assert.True(batch.Count <= 10));
        Assert.Equal(12, reads.Batches.Skip(1).Sum(batch => batch.Count));
    }

    [Fact]
    public async Task A_failed_read_fails_its_askers_and_the_next_lookup_reads_again()
    {
        var calls = 0;
        var lookup = new BatchedLookup<string>(ids =>
        {
            if (Interlocked.Increment(ref calls) == 1) throw new InvalidOperationException("database down");
            return Task.FromResult<IReadOnlyDictionary<string, string>>(ids.ToDictionary(id => id, id => id, StringComparer.Ordinal));
        }, maxBatch: 10);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => lookup.FindAsync("a", CancellationToken.None));
        Assert.Equal("database down", error.Message);
        Assert.Equal("a", await lookup.FindAsync("a", CancellationToken.None));
    }

    [Fact]
    public async Task An_asker_that_gives_up_does_not_fail_the_read_others_wait_for()
    {
        var reads = new Reads();
        var lookup = new BatchedLookup<string>(reads.ReadAsync, maxBatch: 10);
        using var impatient = new CancellationTokenSource();
        var gaveUp = lookup.FindAsync("a", impatient.Token);
        var waits = lookup.FindAsync("a", CancellationToken.None);
        await impatient.CancelAsync();
        reads.Release.SetResult();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gaveUp);
        Assert.Equal("record of a", await waits);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition());
    }
}
