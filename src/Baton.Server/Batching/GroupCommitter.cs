using System.Threading.Channels;

namespace Baton.Server.Batching;

/// <summary>
/// Group commit: concurrent callers' writes coalesce into one store call — one transaction, one commit —
/// and each caller is answered when that transaction has committed (or failed). There is no timer: while
/// one batch commits, the next gathers, so batches grow with the load and a lone write goes at once.
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
    private long _batches;
    private long _items;

    /// <param name="name">What is committed, for logs ("submissions").</param>
    /// <param name="commit">Stores a batch in one transaction and answers per item, in order.</param>
    /// <param name="maxBatch">The most items in one transaction.</param>
    /// <param name="writers">Batches committing at once (more than one lets a batch gather while another commits on a database with many connections).</param>
    public GroupCommitter(
        string name, Func<IReadOnlyList<TItem>, CancellationToken, Task<IReadOnlyList<TResult>>> commit, int maxBatch, int writers, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(writers, 1);
        _name = name;
        _commit = commit;
        _maxBatch = maxBatch;
        _logger = logger;
        _writers = [.. Enumerable.Range(0, writers).Select(_ => Task.Run(WriteAsync))];
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
            batch.Clear();
            while (batch.Count < _maxBatch && _pending.Reader.TryRead(out var pending)) batch.Add(pending);
            if (batch.Count == 0) continue;
            await CommitBatchAsync(batch);
        }
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
        await Task.WhenAll(_writers);
    }

    private sealed class Pending(TItem item)
    {
        public TItem Item { get; } = item;
        public TaskCompletionSource<TResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
