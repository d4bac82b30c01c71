using System.Text.Json;

namespace Baton.Core.AgentProtocol;

// The agent protocol under /api/agent/v1. Agents speak outbound HTTP(S) only: register once,
// then long-poll /poll, which doubles as the heartbeat and lease renewal, and report each job's
// start, logs and completion. Every job call carries the attempt number as a fencing token; a
// stale attempt answers 409 with problem type stale-attempt.

public sealed record PythonInterpreterInfo(string Version, string Path);

/// <summary>
/// What an agent's machine has (<see cref="CpuCores"/>, <see cref="MemoryMb"/>, <see cref="DiskFreeMb"/>) and, from agents
/// that measure it, how busy it is: <see cref="CpuPercent"/> of all cores over the last report interval and
/// <see cref="MemoryUsedMb"/> (total less available). Older agents send neither.
/// </summary>
public sealed record AgentResources(int CpuCores, long MemoryMb, long DiskFreeMb, double? CpuPercent = null, long? MemoryUsedMb = null);

/// <summary><see cref="Group"/>: the agent group (queues name the groups that serve them); null is <c>default</c>.</summary>
public sealed record AgentCapabilities(
    string Os,
    string Arch,
    IReadOnlyList<PythonInterpreterInfo> Pythons,
    IReadOnlyDictionary<string, string> Labels,
    string? Group = null);

/// <summary>POST /api/agent/v1/register, authenticated by the enrollment token in the body.</summary>
public sealed record RegisterAgentRequest(
    string EnrollmentToken,
    string Name,
    AgentCapabilities Capabilities,
    int Slots,
    AgentResources Resources,
    string Version);

/// <summary><see cref="Credential"/> is the agent's bearer token for every later call; kept by the agent.</summary>
public sealed record RegisterAgentResponse(string AgentId, string TenantId, string Credential, int PollWaitSeconds, int LeaseTtlSeconds);

/// <summary>
/// POST /api/agent/v1/poll. Heartbeat and claim in one call: renews the leases of
/// <see cref="Running"/>, updates capabilities when given, and waits up to
/// <see cref="WaitSeconds"/> for work (when <see cref="FreeSlots"/> &gt; 0) or a cancellation.
/// <see cref="CachedPackages"/>: SHA-256s in the agent's package cache (at most
/// <see cref="MaxCachedPackages"/>; used for locality and prefetch). <see cref="Fetching"/>: SHA-256s
/// the agent is downloading or gave up on lately — not to be offered for prefetch again. An agent that
/// sends <see cref="CachedPackages"/> (even empty) takes part in prefetch: a poll returns at once with
/// offers it must download or list in <see cref="Fetching"/>; with null it is offered nothing.
/// </summary>
public sealed record PollRequest(
    int FreeSlots,
    IReadOnlyList<RunningJobReport> Running,
    int WaitSeconds = 20,
    AgentCapabilities? Capabilities = null,
    AgentResources? Resources = null,
    IReadOnlyList<string>? CachedPackages = null,
    IReadOnlyList<string>? Fetching = null)
{
    /// <summary>The most cache entries a poll reports (the most recently used first); the server ignores the rest.</summary>
    public const int MaxCachedPackages = 256;
}

/// <summary>
/// A job the agent holds. <see cref="Stopping"/>: the agent has already been told to cancel it and is ending it (its
/// process may take the terminate grace period to exit); the server stops repeating the cancel directive for it.
/// Null (agents older than the field) means not stopping.
/// </summary>
public sealed record RunningJobReport(string JobId, int Attempt, JobProgressReport? Progress = null, bool? Stopping = null);

public sealed record JobProgressReport(double? Percent, string? Message);

/// <summary>
/// <see cref="Cancel"/>: stop these jobs (terminate, then report outcome cancelled).
/// <see cref="Abandon"/>: the agent no longer holds these attempts (lease expired, job reassigned): kill them and report nothing.
/// <see cref="Prefetch"/>: package versions published lately that the agent does not cache: download them in the background.
/// </summary>
public sealed record PollResponse(
    IReadOnlyList<JobAssignment> Jobs,
    IReadOnlyList<JobRef> Cancel,
    IReadOnlyList<JobRef> Abandon,
    IReadOnlyList<PackageRef>? Prefetch = null);

public sealed record JobRef(string JobId, int Attempt);

public sealed record PackageRef(string Name, string Version, string Sha256, long SizeBytes);

/// <summary>A job handed to an agent for one attempt.</summary>
public sealed record JobAssignment(
    string JobId,
    int Attempt,
    PackageRef Package,
    /// <summary><c>module:function</c> or a script path.</summary>
    string Entrypoint,
    /// <summary>Resolved inputs (defaults applied), a JSON object.</summary>
    JsonElement Inputs,
    int TimeoutSeconds,
    /// <summary>Python version range the interpreter must satisfy, or null for any Python 3.</summary>
    string? Python,
    /// <summary>Requirements file inside the package, or null.</summary>
    string? Requirements,
    /// <summary>Modules to import once into a warm interpreter kept for this package version (manifest <c>preload:</c>), or null.</summary>
    IReadOnlyList<string>? Preload = null,
    /// <summary><c>fresh</c>: start the job in a new interpreter; null or <c>warm</c>: fork it from a warm one.</summary>
    string? Isolation = null);

/// <summary>POST /api/agent/v1/jobs/{id}/start</summary>
public sealed record StartJobRequest(int Attempt);

/// <summary>POST /api/agent/v1/jobs/{id}/logs — may be sent gzip-compressed (Content-Encoding: gzip).</summary>
/// <summary><see cref="Progress"/>: the job's progress when it changed, sent at once rather than with the next (long) poll.</summary>
/// <summary><see cref="Heartbeat"/>: the job said it is alive (<c>baton.heartbeat()</c>): renew its lease now, with or without progress.</summary>
public sealed record AppendLogsRequest(int Attempt, IReadOnlyList<AgentLogLine> Lines, JobProgressReport? Progress = null, bool Heartbeat = false);

/// <summary><see cref="Line"/> numbers lines within one attempt from 1; a resent batch is ignored line by line.</summary>
public sealed record AgentLogLine(long Line, DateTimeOffset At, string Stream, string Text);

/// <summary><see cref="LogLimitReached"/>: the job's log is full (its per-job cap or the tenant's storage); send no more lines.</summary>
public sealed record AppendLogsResponse(bool CancelRequested, bool LogLimitReached = false);

/// <summary>
/// POST /api/agent/v1/jobs/{id}/complete; <see cref="Outcome"/> is succeeded, failed, timed_out or cancelled.
/// <see cref="NoRetry"/> with failed: the job cannot succeed on any agent (its package cannot be
/// extracted), so it ends now instead of spending its remaining attempts.
/// <see cref="Logs"/>: the attempt's last log lines, stored before the outcome (a short job's whole log, without a
/// request of its own); send them only to a server that answered a completion with <see cref="CompleteJobResponse.Jobs"/>,
/// as an older one ignores them. <see cref="Claim"/>: also claim work for the agent's free slots, as a poll would.
/// </summary>
public sealed record CompleteJobRequest(
    int Attempt,
    string Outcome,
    int? ExitCode,
    JsonElement? Result,
    string? Error,
    IReadOnlyList<AgentLogLine>? Logs = null,
    CompletionClaim? Claim = null)
{
    public bool NoRetry { get; init; }
}

/// <summary>
/// Work to claim with a completion: <see cref="FreeSlots"/> the agent has once this job is done (no other request of
/// this agent may claim meanwhile); <see cref="CachedPackages"/> as in a poll (most recently used first), for locality.
/// A completion claim never releases assignments the agent does not list: only its polls with free slots do.
/// </summary>
public sealed record CompletionClaim(int FreeSlots, IReadOnlyList<string>? CachedPackages = null);

/// <summary><see cref="Jobs"/>: what the completion's claim was given; never null from a server that takes claims and folded logs.</summary>
public sealed record CompleteJobResponse(string State, IReadOnlyList<JobAssignment>? Jobs = null);

/// <summary>
/// GET /api/agent/v1/jobs/{id}/assets/{name}?attempt=N: an asset as the job may read it (its agent group's value, or
/// the default). <see cref="Value"/> for text, number, boolean and JSON assets; <see cref="Username"/> and
/// <see cref="Secret"/> (in clear: the agent masks it in the job's log) for a credential.
/// </summary>
public sealed record JobAssetResponse(string Name, string Type, JsonElement? Value, string? Username, string? Secret);

/// <summary>PUT /api/agent/v1/jobs/{id}/checkpoint: the job's state to resume from (JSON), saved by its running attempt.</summary>
public sealed record SaveCheckpointRequest(int Attempt, JsonElement State);

/// <summary>GET /api/agent/v1/jobs/{id}/checkpoint?attempt=N: the job's last checkpoint (null: none yet) and the attempt that saved it.</summary>
public sealed record JobCheckpointResponse(JsonElement? State, int? SavedByAttempt, DateTimeOffset? SavedAt);
