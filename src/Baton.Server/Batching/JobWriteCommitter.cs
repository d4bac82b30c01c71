using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Batching;

/// <summary>
/// Submissions of every tenant and agents' starts and completions, group-committed together
/// (<see cref="GroupCommitter{TItem,TResult}"/>): whatever of the three gathered while the previous transaction committed
/// goes in one transaction (<see cref="IJobStore.WriteManyAsync"/>), and each caller is answered only once its row has
/// committed. One line for the three rather than one each: at a moderate rate a line of its own found one write waiting
/// per commit, so a job's submission, start and completion each cost a transaction; in one line they share them.
/// </summary>
public sealed class JobWriteCommitter : IAsyncDisposable
{
    /// <summary>The most writes one transaction carries.</summary>
    public const int MaxBatch = 500;

    private readonly IBatonStore _store;
    private readonly GroupCommitter<JobWrite, object> _committer;

    public JobWriteCommitter(IBatonStore store, ILogger<JobWriteCommitter> logger)
    {
        _store = store;
        // Behind a backlog a database with many connections commits two batches at once; SQLite has one writer anyway.
        var writers = store.Capabilities.SupportsMultipleReplicas ? 2 : 1;
        _committer = new GroupCommitter<JobWrite, object>("job writes", CommitAsync, MaxBatch, writers, logger);
    }

    /// <summary>Transactions and writes so far, every kind together.</summary>
    public (long Batches, long Items) Counts => _committer.Counts;

    /// <summary>The job (new, or the one its idempotency key made before), once committed.</summary>
    public async Task<(JobRecord Job, bool Created)> SubmitAsync(NewJob job, CancellationToken cancellationToken) =>
        ((JobRecord, bool))await _committer.CommitAsync(new JobWrite(job, null, null), cancellationToken);

    public async Task<AttemptWriteResult> StartAsync(AttemptStart start, CancellationToken cancellationToken) =>
        (AttemptWriteResult)await _committer.CommitAsync(new JobWrite(null, start, null), cancellationToken);

    public async Task<(AttemptWriteResult Result, JobRecord? Job)> CompleteAsync(AttemptCompletion completion, CancellationToken cancellationToken) =>
        ((AttemptWriteResult, JobRecord?))await _committer.CommitAsync(new JobWrite(null, null, completion), cancellationToken);

    private async Task<IReadOnlyList<object>> CommitAsync(IReadOnlyList<JobWrite> writes, CancellationToken cancellationToken)
    {
        var submissions = new List<NewJob>();
        var starts = new List<AttemptStart>();
        var completions = new List<AttemptCompletion>();
        foreach (var write in writes)
        {
            if (write.Submission is { } job) submissions.Add(job);
            else if (write.Start is { } start) starts.Add(start);
            else completions.Add(write.Completion!);
        }
        var results = await _store.Jobs.WriteManyAsync(new JobWrites(submissions, starts, completions), cancellationToken);
        var answers = new object[writes.Count];
        int submitted = 0, started = 0, completed = 0;
        for (var i = 0; i < writes.Count; i++)
        {
            answers[i] = writes[i].Submission is not null ? results.Submitted[submitted++]
                : writes[i].Start is not null ? results.Started[started++]
                : results.Completed[completed++];
        }
        return answers;
    }

    public ValueTask DisposeAsync() => _committer.DisposeAsync();

    /// <summary>One of the three writes (exactly one is set).</summary>
    private sealed record JobWrite(NewJob? Submission, AttemptStart? Start, AttemptCompletion? Completion);
}
