using Baton.Server.Batching;
using Baton.Storage.Model;

namespace Baton.Server.Jobs;

/// <summary>
/// Submissions of every tenant, group-committed (<see cref="JobWriteCommitter"/>, with agents' starts and completions):
/// concurrent submissions coalesce into one multi-row insert, and each is answered only once its row has committed —
/// so an acknowledged job always exists, and a crash before the commit leaves no part of one.
/// </summary>
public sealed class JobSubmissionWriter(JobWriteCommitter writes)
{
    /// <summary>The job (new, or the one its idempotency key made before), once committed.</summary>
    public Task<(JobRecord Job, bool Created)> SubmitAsync(NewJob job, CancellationToken cancellationToken) =>
        writes.SubmitAsync(job, cancellationToken);
}
