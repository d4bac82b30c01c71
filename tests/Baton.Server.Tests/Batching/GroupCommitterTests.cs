using Baton.Server.Batching;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Server.Tests.Batching;

public sealed class GroupCommitterTests
{
    [Fact]
    public async Task Concurrent_writes_share_transactions_and_each_gets_its_own_answer()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batches = new List<int>();
        await using var committer = new GroupCommitter<int, string>("numbers", async (items, _) =>
        {
            await gate.Task;
            lock (batches) batches.Add(items.Count);
            return [.. items.Select(i => $"#{i}")];
        }, maxBatch: 50, writers: 1, NullLogger.Instance);

        var first = committer.CommitAsync(0);
        await Task.Delay(50);
        var rest = Enumerable.Range(1, 120).Select(i => committer.CommitAsync(i)).ToList();
        await Task.Delay(50);
        // Nobody is answered before the transaction that carries them has committed.
        Assert.False(first.IsCompleted);
        Assert.All(rest, t => Assert.False(t.IsCompleted));

        gate.SetResult();
        Assert.Equal("#0", await first);
        var answers = await Task.WhenAll(rest);
        Assert.Equal(Enumerable.Range(1, 120).Select(i => $"#{i}"), answers);
        // The first write went alone; the 120 that gathered meanwhile went in batches of at most 50.
        Assert.Equal(1, batches[0]);
        Assert.Equal([50, 50, 20], batches.Skip(1));
        Assert.Equal((4L, 121L), committer.Counts);
    }

    [Fact]
    public async Task A_write_that_fails_fails_only_its_own_caller()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var committer = new GroupCommitter<int, int>("numbers", async (items, _) =>
        {
            await gate.Task;
            if (items.Any(i => i == 13)) throw new InvalidOperationException("13 is refused");
            return [.. items.Select(i => i * 2)];
        }, maxBatch: 100, writers: 1, NullLogger.Instance);

        var blocker = committer.CommitAsync(1);
        await Task.Delay(50);
        var writes = Enumerable.Range(10, 6).Select(i => committer.CommitAsync(i)).ToList();
        gate.SetResult();

        Assert.Equal(2, await blocker);
        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => writes[3]);
        Assert.Equal("13 is refused", failed.Message);
        var others = await Task.WhenAll(writes.Where((_, i) => i != 3));
        Assert.Equal(new[] { 20, 22, 24, 28, 30 }, others);
    }

    [Fact]
    public async Task Disposing_commits_what_was_queued()
    {
        var committed = new List<int>();
        var committer = new GroupCommitter<int, int>("numbers", async (items, ct) =>
        {
            await Task.Delay(20, ct);
            lock (committed) committed.AddRange(items);
            return items;
        }, maxBatch: 10, writers: 2, NullLogger.Instance);
        var writes = Enumerable.Range(0, 35).Select(i => committer.CommitAsync(i)).ToList();

        await committer.DisposeAsync();

        Assert.All(writes, w => Assert.True(w.IsCompletedSuccessfully));
        Assert.Equal(Enumerable.Range(0, 35), committed.Order());
        Assert.Throws<ObjectDisposedException>(() => { _ = committer.CommitAsync(99); });
    }

    [Fact]
    public async Task A_second_writer_waits_while_the_first_batch_carries_everything_and_joins_behind_a_full_one()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inFlight = 0;
        var mostInFlight = 0;
        var batches = new List<int>();
        await using var committer = new GroupCommitter<int, int>("numbers", async (items, _) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            lock (batches)
            {
                mostInFlight = Math.Max(mostInFlight, now);
                batches.Add(items.Count);
            }
            await gate.Task;
            Interlocked.Decrement(ref inFlight);
            return items;
        }, maxBatch: 10, writers: 2, NullLogger.Instance);

        // A lone write goes at once; five more arrive while it commits. The second writer does not take them one
        // transaction each: they wait for the commit in flight and share the next.
        var first = committer.CommitAsync(0);
        await Task.Delay(50);
        var gathered = Enumerable.Range(1, 5).Select(i => committer.CommitAsync(i)).ToList();
        await Task.Delay(100);
        Assert.Equal(1, Volatile.Read(ref inFlight));
        gate.SetResult();
        await first;
        await Task.WhenAll(gathered);
        Assert.Equal([1, 5], batches);
        Assert.Equal(1, mostInFlight);
    }

    [Fact]
    public async Task Behind_a_full_batch_a_second_writer_commits_at_the_same_time()
    {
        var lone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inFlight = 0;
        var twoAtOnce = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var committer = new GroupCommitter<int, int>("numbers", async (items, _) =>
        {
            if (items.Contains(-1))
            {
                await lone.Task;
                return items;
            }
            if (Interlocked.Increment(ref inFlight) == 2) twoAtOnce.TrySetResult();
            await gate.Task;
            Interlocked.Decrement(ref inFlight);
            return items;
        }, maxBatch: 10, writers: 2, NullLogger.Instance);

        // 25 writes gather behind a lone one; then the first writer's full batch of 10 leaves 15 waiting, and a second
        // writer commits the next 10 while the first is still committing.
        var first = committer.CommitAsync(-1);
        await Task.Delay(50);
        var writes = Enumerable.Range(0, 25).Select(i => committer.CommitAsync(i)).ToList();
        lone.SetResult();
        await first;
        await twoAtOnce.Task.WaitAsync(TimeSpan.FromSeconds(5));
        gate.SetResult();
        Assert.Equal(Enumerable.Range(0, 25), (await Task.WhenAll(writes)).Order());
    }
}
