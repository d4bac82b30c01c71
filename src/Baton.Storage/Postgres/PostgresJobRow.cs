using Baton.Core.AgentProtocol;
using Baton.Core.Jobs;
using Baton.Storage.Model;
using Baton.Storage.Serialization;

namespace Baton.Storage.Postgres;

/// <summary>One row of <c>jobs</c> as Dapper reads it; <see cref="Columns"/> is the matching select list.</summary>
internal sealed class PostgresJobRow
{
    public const string Columns =
        "id AS Id, tenant_id AS TenantId, package_name AS PackageName, package_version AS PackageVersion, " +
        "package_sha256 AS PackageSha256, state AS State, attempt AS Attempt, max_attempts AS MaxAttempts, " +
        "priority AS Priority, timeout_seconds AS TimeoutSeconds, requirements::text AS Requirements, inputs::text AS Inputs, " +
        "idempotency_key AS IdempotencyKey, agent_id AS AgentId, submitted_at AS SubmittedAt, assigned_at AS AssignedAt, " +
        "started_at AS StartedAt, finished_at AS FinishedAt, not_before AS NotBefore, lease_expires_at AS LeaseExpiresAt, " +
        "result::text AS Result, error AS Error, exit_code AS ExitCode, cancel_requested AS CancelRequested, progress::text AS Progress, queue AS Queue, " +
        "cpu_millicores AS CpuMillicores, memory_mb AS MemoryMb";

    /// <summary>
    /// <see cref="Columns"/> for a page of jobs: inputs and results over 4 KiB are left out (flagged), errors keep
    /// their last KiB, so a page stays small whatever the jobs hold.
    /// </summary>
    public static readonly string ListColumns =
        Columns.Replace("inputs::text AS Inputs", "CASE WHEN octet_length(inputs::text) <= 4096 THEN inputs::text ELSE 'null' END AS Inputs", StringComparison.Ordinal)
            .Replace("result::text AS Result", "CASE WHEN octet_length(result::text) <= 4096 THEN result::text ELSE 'null' END AS Result", StringComparison.Ordinal)
            .Replace("error AS Error", "right(error, 1024) AS Error", StringComparison.Ordinal)
        + ", octet_length(inputs::text) > 4096 AS InputsOmitted, COALESCE(octet_length(result::text) > 4096, false) AS ResultOmitted";

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
    public DateTime SubmittedAt { get; set; }
    public DateTime? AssignedAt { get; set; }
    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    public DateTime? NotBefore { get; set; }
    public DateTime? LeaseExpiresAt { get; set; }
    public string? Result { get; set; }
    public string? Error { get; set; }
    public int? ExitCode { get; set; }
    public bool CancelRequested { get; set; }
    public string? Progress { get; set; }
    public string Queue { get; set; } = QueueRecord.DefaultName;
    public long CpuMillicores { get; set; }
    public long MemoryMb { get; set; }

    /// <summary>The same select list with every column qualified by <paramref name="alias"/>.</summary>
    public static string ColumnsOf(string alias) =>
        string.Join(", ", Columns.Split(", ").Select(column => alias + "." + column));

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
        SubmittedAt = PgTime.FromDb(SubmittedAt),
        AssignedAt = PgTime.FromDb(AssignedAt),
        StartedAt = PgTime.FromDb(StartedAt),
        FinishedAt = PgTime.FromDb(FinishedAt),
        NotBefore = PgTime.FromDb(NotBefore),
        LeaseExpiresAt = PgTime.FromDb(LeaseExpiresAt),
        Result = StoredJson.ParseElementOrNull(Result),
        Error = Error,
        ExitCode = ExitCode,
        CancelRequested = CancelRequested,
        Progress = StoredJson.DeserializeOrNull<JobProgressReport>(Progress),
        Queue = Queue,
        CpuMillicores = checked((int)CpuMillicores),
        MemoryMb = MemoryMb,
    };
}
