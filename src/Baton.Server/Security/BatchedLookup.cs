namespace Baton.Server.Security;

/// <summary>
/// Coalesces lookups by id into batched store reads: one read in flight at a time, and the ids asked for meanwhile are
/// read together by the next one. Alone, a lookup is read at once (no added wait); a herd of them (a fleet of agents
/// presenting its credentials after a restart) costs a few reads instead of one per id, so the store keeps up however
/// many arrive. Several askers of one id share its read.
/// </summary>
internal sealed class BatchedLookup<T>(Func<IReadOnlyCollection<string>, Task<IReadOnlyDictionary<string, T>>> read, int maxBatch)
    where T : class
{
    private readonly Lock _gate = new();
    private Dictionary<string, TaskCompletionSource<T?>> _waiting = new(StringComparer.Ordinal);
    private bool _reading;

    public Task<T?> FindAsync(string id, CancellationToken cancellationToken)
    {
        TaskCompletionSource<T?>? waiter;
        var start = false;
        lock (_gate)
        {
            if (!_waiting.TryGetValue(id, out waiter))
            {
                waiter = new TaskCompletionSource<T?>(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiting[id] = waiter;
            }
            if (!_reading)
            {
                _reading = true;
                start = true;
            }
        }
        if (start) _ = Task.Run(DrainAsync, CancellationToken.None);
        return waiter.Task.WaitAsync(cancellationToken);
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            Dictionary<string, TaskCompletionSource<T?>> batch;
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    _reading = false;
                    return;
                }
                batch = Take();
            }
            try
            {
                // Not the askers' token: one giving up must not fail the read the others wait for.
                var found = await read(batch.Keys);
                foreach (var (id, waiter) in batch) waiter.TrySetResult(found.GetValueOrDefault(id));
            }
            catch (Exception ex)
            {
                foreach (var waiter in batch.Values) waiter.TrySetException(ex);
            }
        }
    }

    private Dictionary<string, TaskCompletionSource<T?>> Take()
    {
        if (_waiting.Count <= maxBatch)
        {
            var all = _waiting;
            _waiting = new Dictionary<string, TaskCompletionSource<T?>>(StringComparer.Ordinal);
            return all;
        }
        var batch = new Dictionary<string, TaskCompletionSource<T?>>(maxBatch, StringComparer.Ordinal);
        foreach (var (id, waiter) in _waiting)
        {
            if (batch.Count == maxBatch) break;
            batch[id] = waiter;
        }
        foreach (var id in batch.Keys) _waiting.Remove(id);
        return batch;
    }
}
