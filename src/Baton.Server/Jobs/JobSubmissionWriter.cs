using Baton.Server.Batching;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Jobs;

/// <summary>
/// Submissions of every tenant, group-committed (<see cref="GroupCommitter{TItem,TResult}"/>): concurrent
/// submissions coalesce into one multi-row insert, and each is answered only once its row has committed —
/// so an acknowledged job always exists, and a crash before the commit leaves no part of one.
/// </summary>
public sealed class JobSubmissionWriter : IAsyncDisposable
{
    /// <summary>The most submissions one transaction carries.</summary>
    public const int MaxBatch = 500;

    private readonly GroupCommitter<NewJob, (JobRecord Job, bool Created)> _committer;

    public JobSubmissionWriter(IBatonStore store, ILogger<JobSubmissionWriter> logger)
    {
        // A database with many connections commits one batch while the next gathers; SQLite has one writer anyway.
        var writers = store.Capabilities.SupportsMultipleReplicas ? 2 : 1;
        _committer = new GroupCommitter<NewJob, (JobRecord, bool)>("submissions", store.Jobs.SubmitManyAsync, MaxBatch, writers, logger);
    }

    /// <summary>Transactions and submissions so far.</summary>
    public (long Batches, long Items) Counts => _committer.Counts;

    /// <summary>The job (new, or the one its idempotency key made before), once committed.</summary>
    public Task<(JobRecord Job, bool Created)> SubmitAsync(NewJob job, CancellationToken cancellationToken) =>
        _committer.CommitAsync(job, cancellationToken);

    public ValueTask DisposeAsync() => _committer.DisposeAsync();
}
