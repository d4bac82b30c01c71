using Baton.Server.Batching;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.AgentProtocol;

/// <summary>
/// Agents' starts and completions, group-committed (<see cref="GroupCommitter{TItem,TResult}"/>): a fleet
/// reporting at once shares one transaction per batch instead of one each, and every agent is answered
/// only once its write has committed.
/// </summary>
public sealed class AttemptWriter : IAsyncDisposable
{
    public const int MaxBatch = 500;

    private readonly GroupCommitter<AttemptStart, AttemptWriteResult> _starts;
    private readonly GroupCommitter<AttemptCompletion, (AttemptWriteResult Result, JobRecord? Job)> _completions;

    public AttemptWriter(IBatonStore store, ILogger<AttemptWriter> logger)
    {
        var writers = store.Capabilities.SupportsMultipleReplicas ? 2 : 1;
        _starts = new GroupCommitter<AttemptStart, AttemptWriteResult>("job starts", store.Jobs.MarkStartedManyAsync, MaxBatch, writers, logger);
        _completions = new GroupCommitter<AttemptCompletion, (AttemptWriteResult, JobRecord?)>(
            "job completions", store.Jobs.CompleteAttemptsAsync, MaxBatch, writers, logger);
    }

    /// <summary>Transactions and writes so far, starts and completions together.</summary>
    public (long Batches, long Items) Counts
    {
        get
        {
            var (startBatches, starts) = _starts.Counts;
            var (completionBatches, completions) = _completions.Counts;
            return (startBatches + completionBatches, starts + completions);
        }
    }

    public Task<AttemptWriteResult> StartAsync(AttemptStart start, CancellationToken cancellationToken) =>
        _starts.CommitAsync(start, cancellationToken);

    public Task<(AttemptWriteResult Result, JobRecord? Job)> CompleteAsync(AttemptCompletion completion, CancellationToken cancellationToken) =>
        _completions.CommitAsync(completion, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _starts.DisposeAsync();
        await _completions.DisposeAsync();
    }
}
