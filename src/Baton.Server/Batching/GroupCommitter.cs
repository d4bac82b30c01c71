using System.Threading.Channels;

namespace Baton.Server.Batching;

/// <summary>
/// Group commit: concurrent callers' writes coalesce into one store call — one transaction, one commit —
/// and each caller is answered when that transaction has committed (or failed). There is no timer: while
/// one batch commits, the next gathers, so batches grow with the load and a lone write goes at once.
/// Further writers join only behind a full batch (a backlog one transaction cannot carry): a second writer that took
/// whatever arrived while the first committed would commit one write per transaction at a moderate rate, where
/// waiting for the commit in flight lets them share one.
/// A batch that fails is tried again item by item, so one bad write (a tenant deleted meanwhile, say)
/// fails only its own caller.
/// </summary>
public sealed class GroupCommitter<TItem, TResult> : IAsyncDisposable
{
    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Func<IReadOnlyList<TItem>, CancellationToken, Task<IReadOnlyList<TResult>>> _commit;
    private readonly int _maxBatch;
    private readonly ILogger _logger;
    private readonly string _name;
    private readonly Task[] _writers;
    private readonly SemaphoreSlim _backlog = new(0);
    private readonly int _writerCount;
    private volatile bool _stopping;
    private long _batches;
    private long _items;

    /// <param name="name">What is committed, for logs ("submissions").</param>
    /// <param name="commit">Stores a batch in one transaction and answers per item, in order.</param>
    /// <param name="maxBatch">The most items in one transaction.</param>
    /// <param name="writers">Batches committing at once behind a backlog (the writers past the first commit only while a full batch still leaves writes waiting).</param>
    public GroupCommitter(
        string name, Func<IReadOnlyList<TItem>, CancellationToken, Task<IReadOnlyList<TResult>>> commit, int maxBatch, int writers, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(writers, 1);
        _name = name;
        _commit = commit;
        _maxBatch = maxBatch;
        _logger = logger;
        _writerCount = writers;
        _writers = [.. Enumerable.Range(0, writers).Select(i => Task.Run(i == 0 ? WriteAsync : WriteBacklogAsync))];
    }

    /// <summary>Transactions committed so far and the items they carried (diagnostics, tests, the bench).</summary>
    public (long Batches, long Items) Counts => (Interlocked.Read(ref _batches), Interlocked.Read(ref _items));

    /// <summary>
    /// Queues the write; completes when its transaction has committed. Cancelling the wait does not take the
    /// write back: once queued it is committed or fails with its batch, like a statement already sent.
    /// </summary>
    public Task<TResult> CommitAsync(TItem item, CancellationToken cancellationToken = default)
    {
        var pending = new Pending(item);
        if (!_pending.Writer.TryWrite(pending)) throw new ObjectDisposedException(_name, $"The {_name} writer has stopped.");
        return pending.Completion.Task.WaitAsync(cancellationToken);
    }

    private async Task WriteAsync()
    {
        var batch = new List<Pending>(_maxBatch);
        while (await _pending.Reader.WaitToReadAsync())
        {
            if (!TakeBatch(batch)) continue;
            await CommitBatchAsync(batch);
        }
    }

    /// <summary>A writer past the first: commits only while a full batch left writes waiting.</summary>
    private async Task WriteBacklogAsync()
    {
        var batch = new List<Pending>(_maxBatch);
        while (true)
        {
            await _backlog.WaitAsync();
            if (TakeBatch(batch)) await CommitBatchAsync(batch);
            // Stopping: the first writer drains the rest.
            if (_stopping) return;
        }
    }

    /// <summary>Takes up to a full batch; when writes are still waiting behind it, calls in another writer.</summary>
    private bool TakeBatch(List<Pending> batch)
    {
        batch.Clear();
        while (batch.Count < _maxBatch && _pending.Reader.TryRead(out var pending)) batch.Add(pending);
        if (batch.Count == _maxBatch && _pending.Reader.TryPeek(out _) && _backlog.CurrentCount == 0 && _writerCount > 1) _backlog.Release();
        return batch.Count > 0;
    }

    private async Task CommitBatchAsync(List<Pending> batch)
    {
        try
        {
            var results = await _commit([.. batch.Select(p => p.Item)], CancellationToken.None);
            if (results.Count != batch.Count) throw new InvalidOperationException($"The {_name} batch answered {results.Count} of {batch.Count} items.");
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _items, batch.Count);
            for (var i = 0; i < batch.Count; i++) batch[i].Completion.TrySetResult(results[i]);
        }
        catch (Exception ex) when (batch.Count > 1)
        {
            _logger.LogWarning(ex, "A batch of {Count} {Name} failed; committing them one by one", batch.Count, _name);
            foreach (var pending in batch) await CommitBatchAsync([pending]);
        }
        catch (Exception ex)
        {
            batch[0].Completion.TrySetException(ex);
        }
    }

    /// <summary>Stops taking writes and waits for those queued to commit.</summary>
    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        _stopping = true;
        // The first writer drains what is left; the others leave when they find nothing.
        if (_writers.Length > 1) _backlog.Release(_writers.Length - 1);
        await Task.WhenAll(_writers);
        _backlog.Dispose();
    }

    private sealed class Pending(TItem item)
    {
        public TItem Item { get; } = item;
        public TaskCompletionSource<TResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
