using Baton.Core.AgentProtocol;
using Baton.Core.Jobs;
using Baton.Storage.Model;
using Baton.Storage.Serialization;

namespace Baton.Storage.Sqlite;

/// <summary>One row of <c>jobs</c> as Dapper reads it; <see cref="Columns"/> is the matching select list.</summary>
internal sealed class SqliteJobRow
{
    public const string Columns =
        "id AS Id, tenant_id AS TenantId, package_name AS PackageName, package_version AS PackageVersion, " +
        "package_sha256 AS PackageSha256, state AS State, attempt AS Attempt, max_attempts AS MaxAttempts, " +
        "priority AS Priority, timeout_seconds AS TimeoutSeconds, requirements AS Requirements, inputs AS Inputs, " +
        "idempotency_key AS IdempotencyKey, agent_id AS AgentId, submitted_at AS SubmittedAt, assigned_at AS AssignedAt, " +
        "started_at AS StartedAt, finished_at AS FinishedAt, not_before AS NotBefore, lease_expires_at AS LeaseExpiresAt, " +
        "result AS Result, error AS Error, exit_code AS ExitCode, cancel_requested AS CancelRequested, progress AS Progress, queue AS Queue, " +
        "cpu_millicores AS CpuMillicores, memory_mb AS MemoryMb";

    /// <summary>
    /// <see cref="Columns"/> for a page of jobs: inputs and results over 4 KiB are left out (flagged), errors keep
    /// their last KiB, so a page stays small whatever the jobs hold.
    /// </summary>
    public static readonly string ListColumns =
        Columns.Replace("inputs AS Inputs", "CASE WHEN length(CAST(inputs AS BLOB)) <= 4096 THEN inputs ELSE 'null' END AS Inputs", StringComparison.Ordinal)
            .Replace("result AS Result", "CASE WHEN length(CAST(result AS BLOB)) <= 4096 THEN result ELSE 'null' END AS Result", StringComparison.Ordinal)
            .Replace("error AS Error", "substr(error, -1024) AS Error", StringComparison.Ordinal)
        + ", length(CAST(inputs AS BLOB)) > 4096 AS InputsOmitted, COALESCE(length(CAST(result AS BLOB)) > 4096, 0) AS ResultOmitted";

    public long InputsOmitted { get; set; }

    public long ResultOmitted { get; set; }

    public string Id { get; set; } = "";
    public string TenantId { get; set; } = "";
    public string PackageName { get; set; } = "";
    public string PackageVersion { get; set; } = "";
    public string PackageSha256 { get; set; } = "";
    public string State { get; set; } = "";
    public long Attempt { get; set; }
    public long MaxAttempts { get; set; }
    public long Priority { get; set; }
    public long TimeoutSeconds { get; set; }
    public string Requirements { get; set; } = "[]";
    public string Inputs { get; set; } = "{}";
    public string? IdempotencyKey { get; set; }
    public string? AgentId { get; set; }
    public long SubmittedAt { get; set; }
    public long? AssignedAt { get; set; }
    public long? StartedAt { get; set; }
    public long? FinishedAt { get; set; }
    public long? NotBefore { get; set; }
    public long? LeaseExpiresAt { get; set; }
    public string? Result { get; set; }
    public string? Error { get; set; }
    public long? ExitCode { get; set; }
    public long CancelRequested { get; set; }
    public string? Progress { get; set; }
    public string Queue { get; set; } = QueueRecord.DefaultName;
    public long CpuMillicores { get; set; }
    public long MemoryMb { get; set; }

    public JobRecord ToRecord() => new()
    {
        Id = Id,
        TenantId = TenantId,
        PackageName = PackageName,
        PackageVersion = PackageVersion,
        PackageSha256 = PackageSha256,
        State = JobStates.Parse(State),
        Attempt = checked((int)Attempt),
        MaxAttempts = checked((int)MaxAttempts),
        Priority = checked((int)Priority),
        TimeoutSeconds = checked((int)TimeoutSeconds),
        Requirements = StoredJson.Deserialize<List<string>>(Requirements),
        Inputs = StoredJson.ParseElement(Inputs),
        InputsOmitted = InputsOmitted != 0,
        ResultOmitted = ResultOmitted != 0,
        IdempotencyKey = IdempotencyKey,
        AgentId = AgentId,
        SubmittedAt = StoredTime.FromMs(SubmittedAt),
        AssignedAt = StoredTime.FromMs(AssignedAt),
        StartedAt = StoredTime.FromMs(StartedAt),
        FinishedAt = StoredTime.FromMs(FinishedAt),
        NotBefore = StoredTime.FromMs(NotBefore),
        LeaseExpiresAt = StoredTime.FromMs(LeaseExpiresAt),
        Result = StoredJson.ParseElementOrNull(Result),
        Error = Error,
        ExitCode = ExitCode is { } code ? checked((int)code) : null,
        CancelRequested = CancelRequested != 0,
        Progress = StoredJson.DeserializeOrNull<JobProgressReport>(Progress),
        Queue = Queue,
        CpuMillicores = checked((int)CpuMillicores),
        MemoryMb = MemoryMb,
    };
}
