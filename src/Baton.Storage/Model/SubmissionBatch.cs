namespace Baton.Storage.Model;

/// <summary>
/// A batch of submissions as the stores insert it: a job whose idempotency key (in its tenant) an earlier
/// job of the same batch already uses is not inserted again — it answers with that job, as a repeat
/// submission would. <see cref="Unique"/> are the jobs to insert or find, <see cref="SameAs"/> maps each
/// submission to its entry in <see cref="Unique"/>.
/// </summary>
internal sealed class SubmissionBatch
{
    public SubmissionBatch(IReadOnlyList<NewJob> jobs)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var byKey = new Dictionary<(string Tenant, string Key), int>();
        var unique = new List<NewJob>(jobs.Count);
        var sameAs = new int[jobs.Count];
        for (var i = 0; i < jobs.Count; i++)
        {
            var job = jobs[i];
            // A key seen earlier in the batch answers with its first job; a new key is the entry this job is about to take.
            if (job.IdempotencyKey is { } key && !byKey.TryAdd((job.TenantId, key), unique.Count))
            {
                sameAs[i] = byKey[(job.TenantId, key)];
                continue;
            }
            sameAs[i] = unique.Count;
            unique.Add(job);
        }
        Unique = unique;
        SameAs = sameAs;
    }

    public IReadOnlyList<NewJob> Unique { get; }

    public IReadOnlyList<int> SameAs { get; }

    /// <summary>
    /// The answer per submission, in order, from the answer per unique job: a submission that repeated an
    /// earlier one's key in the batch gets the same job, not created by it.
    /// </summary>
    public IReadOnlyList<(JobRecord Job, bool Created)> Answer(IReadOnlyList<(JobRecord Job, bool Created)> unique)
    {
        var answers = new (JobRecord, bool)[SameAs.Count];
        var answered = new bool[unique.Count];
        for (var i = 0; i < SameAs.Count; i++)
        {
            var (job, created) = unique[SameAs[i]];
            answers[i] = (job, created && !answered[SameAs[i]]);
            answered[SameAs[i]] = true;
        }
        return answers;
    }
}
