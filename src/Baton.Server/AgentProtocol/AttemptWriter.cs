using Baton.Server.Batching;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.AgentProtocol;

/// <summary>
/// Agents' starts and completions, group-committed (<see cref="JobWriteCommitter"/>, with submissions): a fleet
/// reporting at once shares one transaction per batch instead of one each, and every agent is answered
/// only once its write has committed.
/// </summary>
public sealed class AttemptWriter(JobWriteCommitter writes)
{
    public Task<AttemptWriteResult> StartAsync(AttemptStart start, CancellationToken cancellationToken) =>
        writes.StartAsync(start, cancellationToken);

    public Task<(AttemptWriteResult Result, JobRecord? Job)> CompleteAsync(AttemptCompletion completion, CancellationToken cancellationToken) =>
        writes.CompleteAsync(completion, cancellationToken);
}
