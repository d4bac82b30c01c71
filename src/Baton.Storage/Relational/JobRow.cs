using System.Collections.Concurrent;
using Baton.Core.AgentProtocol;
using Baton.Core.Jobs;
using Baton.Storage.Model;
using Baton.Storage.Serialization;

namespace Baton.Storage.Relational;

/// <summary>One row of <c>jobs</c> as Dapper reads it on either backend; <see cref="Select"/> is the matching select list.</summary>
internal sealed class JobRow
{
    /// <summary>The job states that hold an agent's lease, as an SQL list.</summary>
    public const string ActiveStates = "('assigned', 'running')";

    public const string Select =
        "id AS Id, tenant_id AS TenantId, package_name AS PackageName, package_version AS PackageVersion, " +
        "package_sha256 AS PackageSha256, state AS State, attempt AS Attempt, max_attempts AS MaxAttempts, " +
        "priority AS Priority, timeout_seconds AS TimeoutSeconds, requirements AS Requirements, inputs AS Inputs, " +
        "idempotency_key AS IdempotencyKey, agent_id AS AgentId, submitted_at AS SubmittedAt, assigned_at AS AssignedAt, " +
        "started_at AS StartedAt, finished_at AS FinishedAt, not_before AS NotBefore, lease_expires_at AS LeaseExpiresAt, " +
        "result AS Result, error AS Error, exit_code AS ExitCode, cancel_requested AS CancelRequested, progress AS Progress, queue AS Queue, " +
        "cpu_millicores AS CpuMillicores, memory_mb AS MemoryMb";

    private static readonly ConcurrentDictionary<SqlDialect, string> ListSelects = new();

    /// <summary>
    /// <see cref="Select"/> for a page of jobs: inputs and results over 4 KiB are left out (flagged), errors keep
    /// their last KiB, so a page stays small whatever the jobs hold.
    /// </summary>
    public static string ListSelect(SqlDialect dialect) => ListSelects.GetOrAdd(dialect, static sql =>
        Select.Replace("inputs AS Inputs", $"CASE WHEN {sql.OctetLength("inputs")} <= 4096 THEN inputs ELSE 'null' END AS Inputs", StringComparison.Ordinal)
            .Replace("result AS Result", $"CASE WHEN {sql.OctetLength("result")} <= 4096 THEN result ELSE 'null' END AS Result", StringComparison.Ordinal)
            .Replace("error AS Error", $"{sql.TextTail("error", 1024)} AS Error", StringComparison.Ordinal)
        + $", {sql.OctetLength("inputs")} > 4096 AS InputsOmitted, COALESCE({sql.OctetLength("result")} > 4096, false) AS ResultOmitted");

    public bool InputsOmitted { get; set; }

    public bool ResultOmitted { get; set; }

    public string Id { get; set; } = "";
    public string TenantId { get; set; } = "";
    public string PackageName { get; set; } = "";
    public string PackageVersion { get; set; } = "";
    public string PackageSha256 { get; set; } = "";
    public string State { get; set; } = "";
    public int Attempt { get; set; }
    public int MaxAttempts { get; set; }
    public int Priority { get; set; }
    public int TimeoutSeconds { get; set; }
    public string Requirements { get; set; } = "[]";
    public string Inputs { get; set; } = "{}";
    public string? IdempotencyKey { get; set; }
    public string? AgentId { get; set; }
    public DateTimeOffset SubmittedAt { get; set; }
    public DateTimeOffset? AssignedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public DateTimeOffset? NotBefore { get; set; }
    public DateTimeOffset? LeaseExpiresAt { get; set; }
    public string? Result { get; set; }
    public string? Error { get; set; }
    public int? ExitCode { get; set; }
    public bool CancelRequested { get; set; }
    public string? Progress { get; set; }
    public string Queue { get; set; } = QueueRecord.DefaultName;
    public int CpuMillicores { get; set; }
    public long MemoryMb { get; set; }

    public JobRecord ToRecord() => new()
    {
        Id = Id,
        TenantId = TenantId,
        PackageName = PackageName,
        PackageVersion = PackageVersion,
        PackageSha256 = PackageSha256,
        State = JobStates.Parse(State),
        Attempt = Attempt,
        MaxAttempts = MaxAttempts,
        Priority = Priority,
        TimeoutSeconds = TimeoutSeconds,
        Requirements = StoredJson.Deserialize<List<string>>(Requirements),
        Inputs = StoredJson.ParseElement(Inputs),
        InputsOmitted = InputsOmitted,
        ResultOmitted = ResultOmitted,
        IdempotencyKey = IdempotencyKey,
        AgentId = AgentId,
        SubmittedAt = SubmittedAt,
        AssignedAt = AssignedAt,
        StartedAt = StartedAt,
        FinishedAt = FinishedAt,
        NotBefore = NotBefore,
        LeaseExpiresAt = LeaseExpiresAt,
        Result = StoredJson.ParseElementOrNull(Result),
        Error = Error,
        ExitCode = ExitCode,
        CancelRequested = CancelRequested,
        Progress = StoredJson.DeserializeOrNull<JobProgressReport>(Progress),
        Queue = Queue,
        CpuMillicores = CpuMillicores,
        MemoryMb = MemoryMb,
    };
}
