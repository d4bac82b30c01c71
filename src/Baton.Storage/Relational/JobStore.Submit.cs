using Baton.Storage.Model;
using Baton.Storage.Serialization;

namespace Baton.Storage.Relational;

// Submissions: one write for the whole batch (one commit), each job found by its idempotency key or inserted with its
// 'submitted' event.
internal sealed partial class JobStore
{
    /// <summary>
    /// A batch of one tenant runs in its scope; a mix of tenants (group commit of concurrent submissions) in the system scope,
    /// each row's tenant set by the server from its caller. Wake-ups for other replicas travel outside the transaction (the
    /// server's bridge batches them): a NOTIFY here would serialise every submitting transaction's commit on PostgreSQL's
    /// notification queue lock.
    /// </summary>
    public Task<IReadOnlyList<(JobRecord Job, bool Created)>> SubmitManyAsync(IReadOnlyList<NewJob> jobs, CancellationToken cancellationToken)
    {
        var batch = new SubmissionBatch(jobs);
        if (jobs.Count == 0) return Task.FromResult<IReadOnlyList<(JobRecord, bool)>>([]);
        return WriteForAsync(jobs.Select(j => j.TenantId), session => SubmitAsync(session, batch), cancellationToken);
    }

    /// <summary>
    /// The jobs whose idempotency keys exist are read, the rest inserted in one statement with their 'submitted' events; a key
    /// a concurrent submission took meanwhile (where writers run at once) answers with that job.
    /// </summary>
    private async Task<IReadOnlyList<(JobRecord, bool)>> SubmitAsync(StoreSession session, SubmissionBatch batch)
    {
        var unique = batch.Unique;
        var keyed = unique.Where(j => j.IdempotencyKey is not null).ToList();
        var existing = keyed.Count == 0 ? [] : await LoadByIdempotencyKeysAsync(session, keyed);
        // Keyed rows in one global order, so two batches racing on the same keys wait for each other instead of deadlocking.
        var toInsert = unique
            .Where(j => j.IdempotencyKey is null || !existing.ContainsKey((j.TenantId, j.IdempotencyKey)))
            .OrderBy(j => j.TenantId, StringComparer.Ordinal).ThenBy(j => j.IdempotencyKey, StringComparer.Ordinal)
            .ToList();

        var inserted = toInsert.Count == 0 ? [] : (await session.QueryAsync<JobRecord>(session.Dialect.Jobs.JobInsert, JobRow.SubmittedValues(toInsert, Now())))
            .ToDictionary(job => job.Id, StringComparer.Ordinal);

        // Keys a concurrent submission won meanwhile (the insert skipped them): that submission's job is the answer.
        var lost = toInsert.Where(j => !inserted.ContainsKey(j.Id)).ToList();
        if (lost.Count > 0)
        {
            foreach (var (key, job) in await LoadByIdempotencyKeysAsync(session, lost)) existing[key] = job;
        }

        return batch.Answer([.. unique.Select(job =>
            inserted.TryGetValue(job.Id, out var created) ? (created, true)
            : job.IdempotencyKey is { } key && existing.TryGetValue((job.TenantId, key), out var found) ? (found, false)
            : throw new InvalidOperationException($"Job with idempotency key '{job.IdempotencyKey}' vanished."))]);
    }

    private static async Task<Dictionary<(string TenantId, string Key), JobRecord>> LoadByIdempotencyKeysAsync(StoreSession session, IReadOnlyList<NewJob> jobs)
    {
        var stored = await session.QueryAsync<JobRecord>(session.Dialect.Jobs.JobsByIdempotencyKey, new
        {
            tenantIds = ValueList.Of(jobs.Select(j => j.TenantId)),
            keys = ValueList.Of(jobs.Select(j => j.IdempotencyKey!)),
        });
        return stored.ToDictionary(job => (job.TenantId, job.IdempotencyKey!));
    }
}
