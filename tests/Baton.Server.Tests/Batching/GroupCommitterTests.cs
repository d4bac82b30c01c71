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
}
