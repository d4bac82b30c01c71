using System.Text.Json;
using Baton.Core.AgentProtocol;
using Baton.Core.Auth;
using Baton.Core.Jobs;
using Baton.Core.Packages;
using Baton.Core.Tenancy;

namespace Baton.Storage.Model;

public sealed record TenantRecord(string Id, string Name, Tier Tier, QuotaOverrides Overrides, DateTimeOffset CreatedAt)
{
    // Dapper's: a tenants row is read into the properties, the tier through its stored form (Relational.TenantStore).
    private TenantRecord() : this("", "", default, QuotaOverrides.None, default)
    {
    }

    public TenantQuotas Quotas => TenantQuotas.Resolve(Tier, Overrides);

    internal string StoredTier { get => Tier.ToText(); init => Tier = Tiers.Parse(value); }
}

/// <summary>An API key; only the SHA-256 of its secret is kept.</summary>
public sealed record ApiKeyRecord(
    string Id,
    string TenantId,
    string Name,
    ApiRole Role,
    bool IsSystemAdmin,
    string SecretHash,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RevokedAt,
    DateTimeOffset? LastUsedAt)
{
    // Dapper's: an api_keys row is read into the properties, the role through its stored form (Relational.ApiKeyStore).
    private ApiKeyRecord() : this("", "", "", default, false, "", default, null, null)
    {
    }

    internal string StoredRole
    {
        get => Role.ToText();
        init => Role = ApiRoles.TryParse(value, out var role) ? role : throw new InvalidDataException($"Unknown API role '{value}'.");
    }
}

public sealed record EnrollmentTokenRecord(
    string Id,
    string TenantId,
    string Name,
    string SecretHash,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt);

public enum AgentState
{
    Online,
    Offline,
}

/// <summary>Agent states as stored (stable lower-case text), mapped in one place.</summary>
internal static class AgentStates
{
    public static string ToText(this AgentState state) => state == AgentState.Online ? "online" : "offline";

    public static AgentState Parse(string text) => text switch
    {
        "online" => AgentState.Online,
        "offline" => AgentState.Offline,
        _ => throw new InvalidDataException($"Unknown agent state '{text}'."),
    };
}

public sealed record AgentRecord(
    string Id,
    string TenantId,
    string Name,
    string CredentialHash,
    AgentState State,
    AgentCapabilities Capabilities,
    AgentResources Resources,
    int Slots,
    string Version,
    DateTimeOffset RegisteredAt,
    DateTimeOffset? LastHeartbeatAt)
{
    // Dapper's: an agents row is read into the properties, the state through its stored form (Relational.AgentStore).
    private AgentRecord() : this("", "", "", "", default, null!, null!, 0, "", default, null)
    {
    }

    public string Group => Capabilities.Group ?? Core.Dispatch.AgentGroupNames.Default;

    internal string StoredState { get => State.ToText(); init => State = AgentStates.Parse(value); }
}

/// <summary>What an agent holds now: its active jobs and the resources they request.</summary>
public sealed record AgentLoad(int Jobs, int CpuMillicores, long MemoryMb)
{
    public static AgentLoad None { get; } = new(0, 0, 0);
}

public sealed record NewAgent(
    string Id,
    string TenantId,
    string Name,
    string CredentialHash,
    AgentCapabilities Capabilities,
    AgentResources Resources,
    int Slots,
    string Version);

public sealed record PackageVersionRecord(
    string TenantId,
    string Name,
    string Version,
    string Sha256,
    long SizeBytes,
    PackageManifest Manifest,
    DateTimeOffset CreatedAt);

public sealed record JobRecord
{
    public required string Id { get; init; }
    public required string TenantId { get; init; }
    public required string PackageName { get; init; }
    public required string PackageVersion { get; init; }
    public required string PackageSha256 { get; init; }
    public required JobState State { get; init; }
    /// <summary>The current or last attempt, 1-based; 0 before the first assignment. The fencing token.</summary>
    public required int Attempt { get; init; }
    public required int MaxAttempts { get; init; }
    public required int Priority { get; init; }
    public required int TimeoutSeconds { get; init; }
    public required IReadOnlyList<string> Requirements { get; init; }
    /// <summary>Resolved inputs: a JSON object.</summary>
    public required JsonElement Inputs { get; init; }
    /// <summary>In a list: the inputs were too large to carry (<see cref="Inputs"/> is JSON null).</summary>
    public bool InputsOmitted { get; init; }
    /// <summary>In a list: the result was too large to carry (<see cref="Result"/> is JSON null).</summary>
    public bool ResultOmitted { get; init; }
    public string? IdempotencyKey { get; init; }
    public string? AgentId { get; init; }
    public required DateTimeOffset SubmittedAt { get; init; }
    public DateTimeOffset? AssignedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    /// <summary>A pending job is not dispatched before this time (retry backoff).</summary>
    public DateTimeOffset? NotBefore { get; init; }
    public DateTimeOffset? LeaseExpiresAt { get; init; }
    public JsonElement? Result { get; init; }
    public string? Error { get; init; }
    public int? ExitCode { get; init; }
    public bool CancelRequested { get; init; }
    public JobProgressReport? Progress { get; init; }
    public string Queue { get; init; } = QueueRecord.DefaultName;
    /// <summary>CPU the job requests, in millicores (0: none).</summary>
    public int CpuMillicores { get; init; }
    /// <summary>Memory the job requests, in MB (0: none).</summary>
    public long MemoryMb { get; init; }

    /// <summary>The state's stored text, which Dapper reads a jobs row through (<c>Relational.JobRow.Select</c>).</summary>
    internal string StoredState { get => State.ToText(); init => State = JobStates.Parse(value); }
}

public sealed record NewJob(
    string Id,
    string TenantId,
    string PackageName,
    string PackageVersion,
    string PackageSha256,
    int MaxAttempts,
    int Priority,
    int TimeoutSeconds,
    IReadOnlyList<string> Requirements,
    JsonElement Inputs,
    string? IdempotencyKey,
    string Queue = QueueRecord.DefaultName,
    int CpuMillicores = 0,
    long MemoryMb = 0);

public sealed record JobQuery(
    JobState? State = null,
    string? PackageName = null,
    DateTimeOffset? Since = null,
    string? Cursor = null,
    int Limit = 50,
    string? Queue = null);

public sealed record JobPage(IReadOnlyList<JobRecord> Items, string? NextCursor);

public sealed record JobEventRecord(long Id, string JobId, DateTimeOffset At, string Type, int Attempt, string? AgentId, string? Message);

public sealed record LogLineRecord(long Seq, int Attempt, DateTimeOffset At, string Stream, string Text);

/// <summary>What one poll from one agent reports; written in batches.</summary>
public sealed record AgentHeartbeat(
    string AgentId,
    DateTimeOffset At,
    IReadOnlyList<RunningJobReport> Running,
    AgentCapabilities? Capabilities = null,
    AgentResources? Resources = null);

public enum PriorityChangeResult
{
    Changed,
    /// <summary>The job is no longer pending: nothing changed.</summary>
    NotPending,
    NotFound,
}

/// <summary>Result of a fenced write by an agent on one job attempt.</summary>
public enum AttemptWriteResult
{
    Ok,
    /// <summary>The job exists but this agent/attempt no longer holds it: refuse with 409.</summary>
    Stale,
    NotFound,
    /// <summary>The attempt is current but the transition is not allowed from the job's state.</summary>
    InvalidState,
}

public enum CancelResult
{
    /// <summary>The job was pending and is now cancelled.</summary>
    Cancelled,
    /// <summary>The job is on an agent; the agent has been asked to stop it.</summary>
    Requested,
    AlreadyFinished,
    NotFound,
}

/// <summary>A job that a lease expiry moved back to pending or to failed.</summary>
public sealed record ExpiredLease(string JobId, string TenantId, string? AgentId, int Attempt, JobState NewState);
