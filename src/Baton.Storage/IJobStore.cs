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

    /// <summary>
    /// <see cref="SubmitAsync"/> for several jobs (of one tenant or several) in one transaction: all are stored
    /// or none. The answer per job, in order; a job repeating the idempotency key of an earlier one in the
    /// batch answers with that job (not created).
    /// </summary>
    Task<IReadOnlyList<(JobRecord Job, bool Created)>> SubmitManyAsync(IReadOnlyList<NewJob> jobs, CancellationToken cancellationToken);
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
    /// A batched claim: <see cref="ClaimAsync"/> for several agents of one tenant in one atomic step, each
    /// request served in turn (longest waiting first) from what the ones before it left, so the tenant's
    /// and queues' caps hold across the batch exactly as for claims one after another. Every request
    /// names <paramref name="tenantId"/> and the same concurrency limit and lease.
    /// </summary>
    Task<ClaimBatchResult> ClaimManyAsync(string tenantId, IReadOnlyList<JobClaimRequest> requests, CancellationToken cancellationToken);

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

    /// <summary><see cref="MarkStartedAsync"/> for several starts (of any tenants) in one transaction; the answers in order.</summary>
    Task<IReadOnlyList<AttemptWriteResult>> MarkStartedManyAsync(IReadOnlyList<AttemptStart> starts, CancellationToken cancellationToken);

    /// <summary>
    /// Ends an attempt. A failure with attempts left goes back to pending with a retry delay
    /// from the store's <see cref="RetryPolicy"/>; a job whose cancellation was requested ends
    /// cancelled unless it succeeded.
    /// </summary>
    Task<(AttemptWriteResult Result, JobRecord? Job)> CompleteAttemptAsync(AttemptCompletion completion, CancellationToken cancellationToken);

    /// <summary><see cref="CompleteAttemptAsync"/> for several completions (of any tenants) in one transaction; the answers in order.</summary>
    Task<IReadOnlyList<(AttemptWriteResult Result, JobRecord? Job)>> CompleteAttemptsAsync(
        IReadOnlyList<AttemptCompletion> completions, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="SubmitManyAsync"/>, <see cref="MarkStartedManyAsync"/> and <see cref="CompleteAttemptsAsync"/> in one
    /// transaction (one commit for a group commit's mixed batch): all are stored or none; the answers per kind, in order.
    /// </summary>
    Task<JobWriteResults> WriteManyAsync(JobWrites writes, CancellationToken cancellationToken);

    /// <summary>
    /// Appends an attempt's lines (a resent line is stored once) while the job's log holds at most
    /// <see cref="LogLimit.MaxBytes"/> bytes of text (UTF-8, all attempts together). The first line that does
    /// not fit is replaced by the limit's note on the <c>system</c> stream (once per attempt), and it and every
    /// later line are dropped. The bytes stored count toward the tenant's log usage (<see cref="GetLogBytesAsync"/>).
    /// </summary>
    Task<LogAppendResult> AppendLogsAsync(
        string tenantId, string jobId, string agentId, int attempt, IReadOnlyList<NewLogLine> lines, LogLimit limit, CancellationToken cancellationToken);

    /// <summary><see cref="AppendLogsAsync(string, string, string, int, IReadOnlyList{NewLogLine}, LogLimit, CancellationToken)"/> without a limit.</summary>
    async Task<(AttemptWriteResult Result, bool CancelRequested)> AppendLogsAsync(
        string tenantId, string jobId, string agentId, int attempt, IReadOnlyList<NewLogLine> lines, CancellationToken cancellationToken)
    {
        var appended = await AppendLogsAsync(tenantId, jobId, agentId, attempt, lines, LogLimit.None, cancellationToken);
        return (appended.Result, appended.CancelRequested);
    }

    /// <summary>Bytes of log text (UTF-8) the tenant stored on the days from <paramref name="since"/> on (UTC days).</summary>
    Task<long> GetLogBytesAsync(string tenantId, DateTimeOffset since, CancellationToken cancellationToken);
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

/// <summary>
/// What a batched claim gave each request (in request order), and whether the tenant has no ready job left
/// (none at all, or the claim took every one): a waiting dispatcher can rest until new work is signalled.
/// </summary>
public sealed record ClaimBatchResult(IReadOnlyList<IReadOnlyList<JobRecord>> Jobs, bool NoneReady)
{
    /// <summary>
    /// After a claim: no ready job is left when the candidate read saw every ready job (fewer than it asked for,
    /// no queue left out of it) and every one of them was claimed.
    /// </summary>
    public static bool Exhausted(int candidatesRead, int readLimit, int claimed, int queuesLeftOut) =>
        queuesLeftOut == 0 && candidatesRead < readLimit && claimed == candidatesRead;

    public static ClaimBatchResult Empty(int requests, bool noneReady) =>
        new([.. Enumerable.Range(0, requests).Select(_ => (IReadOnlyList<JobRecord>)[])], noneReady);

    public static void Validate(string tenantId, IReadOnlyList<JobClaimRequest> requests)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Count == 0) throw new ArgumentException("A batched claim needs at least one request.", nameof(requests));
        var first = requests[0];
        foreach (var request in requests)
        {
            if (request.TenantId != tenantId) throw new ArgumentException("Every request of a batched claim must be for the same tenant.", nameof(requests));
            if (request.TenantConcurrencyLimit != first.TenantConcurrencyLimit || request.LeaseTtl != first.LeaseTtl)
            {
                throw new ArgumentException("Every request of a batched claim must carry the same concurrency limit and lease.", nameof(requests));
            }
        }
    }
}

/// <summary>Submissions, starts and completions (of any tenants) written in one transaction (<see cref="IJobStore.WriteManyAsync"/>).</summary>
public sealed record JobWrites(IReadOnlyList<NewJob> Submissions, IReadOnlyList<AttemptStart> Starts, IReadOnlyList<AttemptCompletion> Completions)
{
    public int Count => Submissions.Count + Starts.Count + Completions.Count;
}

/// <summary>The answers to <see cref="JobWrites"/>, per kind in the same order.</summary>
public sealed record JobWriteResults(
    IReadOnlyList<(JobRecord Job, bool Created)> Submitted,
    IReadOnlyList<AttemptWriteResult> Started,
    IReadOnlyList<(AttemptWriteResult Result, JobRecord? Job)> Completed);

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

/// <summary>The most a job's log may hold (UTF-8 bytes of its lines' text) and the note that marks where it was cut.</summary>
public sealed record LogLimit(long MaxBytes, string CutNote)
{
    public static LogLimit None { get; } = new(long.MaxValue, "");

    /// <summary>Which of <paramref name="lines"/> fit after <paramref name="storedBytes"/>: a prefix, and whether a line was left out.</summary>
    public (int Accepted, bool Cut) Fit(long storedBytes, IReadOnlyList<NewLogLine> lines)
    {
        var total = storedBytes;
        for (var i = 0; i < lines.Count; i++)
        {
            total += System.Text.Encoding.UTF8.GetByteCount(lines[i].Text);
            if (total > MaxBytes) return (i, true);
        }
        return (lines.Count, false);
    }
}

/// <param name="LimitReached">The job's log is full: later lines will be dropped (the agent may stop sending them).</param>
public sealed record LogAppendResult(AttemptWriteResult Result, bool CancelRequested, bool LimitReached);

/// <summary>Log usage is spread over a few rows per tenant and day, so concurrent batches of one tenant rarely wait on one row.</summary>
public static class LogUsageShards
{
    public const int Count = 16;

    public static int Of(string jobId)
    {
        var hash = 17;
        foreach (var c in jobId) hash = unchecked((hash * 31) + c);
        return (int)((uint)hash % Count);
    }
}
