using System.Text.Json;
using Baton.Core.Jobs;
using Baton.Storage.Model;

namespace Baton.Storage;

/// <summary>
/// Jobs, their leases, events and logs. Every transition is a compare-and-set on the state
/// (and, for agent writes, on agent id and attempt); every transition records a job event.
/// </summary>
public interface IJobStore
{
    /// <summary>
    /// Inserts a pending job. With an idempotency key already used in the tenant, returns the
    /// existing job and <c>Created = false</c> instead.
    /// </summary>
    Task<(JobRecord Job, bool Created)> SubmitAsync(NewJob job, CancellationToken cancellationToken);
    Task<JobRecord?> GetAsync(string tenantId, string jobId, CancellationToken cancellationToken);
    /// <summary>Newest first; the cursor is opaque.</summary>
    Task<JobPage> ListAsync(string tenantId, JobQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// Claims up to <see cref="JobClaimRequest.MaxJobs"/> ready pending jobs of the agent's tenant
    /// in one atomic step: highest priority first, then oldest; skipping jobs the agent cannot
    /// run; never taking the tenant past its concurrency limit. Claimed jobs become assigned
    /// with attempt + 1 and a lease of <see cref="JobClaimRequest.LeaseTtl"/>.
    /// </summary>
    Task<IReadOnlyList<JobRecord>> ClaimAsync(JobClaimRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// For an agent's poll: its jobs still <c>assigned</c> (never started), assigned before
    /// <paramref name="assignedBefore"/>, that the agent does not report among <paramref name="running"/>,
    /// never reached it — the poll response that carried them was lost (the agent stopped or the
    /// connection broke). They go back to pending at once with the attempt not spent. Returns them.
    /// </summary>
    Task<IReadOnlyList<JobRecord>> ReleaseUndeliveredAsync(
        string tenantId, string agentId, IReadOnlyList<Core.AgentProtocol.JobRef> running, DateTimeOffset assignedBefore, CancellationToken cancellationToken);

    /// <summary>assigned → running for the holder of the attempt.</summary>
    Task<AttemptWriteResult> MarkStartedAsync(string tenantId, string jobId, string agentId, int attempt, CancellationToken cancellationToken);

    /// <summary>
    /// Ends an attempt. A failure with attempts left goes back to pending with a retry delay
    /// from the store's <see cref="RetryPolicy"/>; a job whose cancellation was requested ends
    /// cancelled unless it succeeded.
    /// </summary>
    Task<(AttemptWriteResult Result, JobRecord? Job)> CompleteAttemptAsync(AttemptCompletion completion, CancellationToken cancellationToken);

    Task<(AttemptWriteResult Result, bool CancelRequested)> AppendLogsAsync(string tenantId, string jobId, string agentId, int attempt, IReadOnlyList<NewLogLine> lines, CancellationToken cancellationToken);
    Task<IReadOnlyList<LogLineRecord>> ReadLogsAsync(string tenantId, string jobId, long afterSeq, int limit, CancellationToken cancellationToken);
    Task<IReadOnlyList<JobEventRecord>> ListEventsAsync(string tenantId, string jobId, CancellationToken cancellationToken);

    /// <summary>Sets a pending job's priority and records a <c>priority_changed</c> event; any other state changes nothing.</summary>
    Task<(PriorityChangeResult Result, JobRecord? Job)> ChangePriorityAsync(string tenantId, string jobId, int priority, CancellationToken cancellationToken);

    Task<(CancelResult Result, JobRecord? Job)> RequestCancelAsync(string tenantId, string jobId, CancellationToken cancellationToken);

    /// <summary>
    /// Active jobs whose lease ran out go back to pending (next attempt, after a retry delay),
    /// or end failed when their attempts are spent, or cancelled when cancellation was requested.
    /// </summary>
    Task<IReadOnlyList<ExpiredLease>> ExpireLeasesAsync(CancellationToken cancellationToken);

    Task<int> CountActiveAsync(string tenantId, CancellationToken cancellationToken);
    Task<int> CountPendingAsync(string tenantId, CancellationToken cancellationToken);
}

/// <summary>
/// One agent's claim. <see cref="CanRun"/> matches a job's requirements against the agent's
/// capabilities; the rest (queues, groups, caps, reservations, resources, locality) is decided by
/// <see cref="Core.Dispatch.JobChooser"/> inside the claim transaction.
/// </summary>
public sealed record JobClaimRequest(
    string TenantId,
    string AgentId,
    int MaxJobs,
    int TenantConcurrencyLimit,
    TimeSpan LeaseTtl,
    Func<JobRecord, bool> CanRun,
    int CandidateLimit = 200)
{
    public string AgentGroup { get; init; } = Core.Dispatch.AgentGroupNames.Default;
    /// <summary>The agent's reported CPU in millicores; null when it reports none.</summary>
    public int? AgentCpuMillicores { get; init; }
    /// <summary>The agent's reported memory in MB; null when it reports none.</summary>
    public long? AgentMemoryMb { get; init; }
    /// <summary>SHA-256s of the packages in the agent's cache, for locality.</summary>
    public IReadOnlySet<string> CachedPackages { get; init; } = new HashSet<string>();
}

public sealed record AttemptCompletion(
    string TenantId,
    string JobId,
    string AgentId,
    int Attempt,
    JobOutcome Outcome,
    int? ExitCode,
    JsonElement? Result,
    string? Error)
{
    /// <summary>A failure that every attempt would repeat (the package cannot be extracted): end the job, no retry.</summary>
    public bool NoRetry { get; init; }
}

public sealed record NewLogLine(long Line, DateTimeOffset At, string Stream, string Text);
