using System.Collections.Concurrent;
using Baton.Core.AgentProtocol;
using Baton.Core.Jobs;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Relational;

/// <summary>One row of <c>jobs</c> as Dapper reads it on either backend; <see cref="Select"/> is the matching select list.</summary>
internal sealed class JobRow
{
    /// <summary>The job states that hold an agent's lease, as an SQL list.</summary>
    public const string ActiveStates = "('assigned', 'running')";

    public static readonly string Select = Columns.Select(
    [
        "id", "tenant_id", "package_name", "package_version", "package_sha256", "state", "attempt", "max_attempts", "priority",
        "timeout_seconds", "requirements", "inputs", "idempotency_key", "agent_id", "submitted_at", "assigned_at", "started_at",
        "finished_at", "not_before", "lease_expires_at", "result", "error", "exit_code", "cancel_requested", "progress", "queue",
        "cpu_millicores", "memory_mb",
    ]);

    /// <summary>
    /// The columns a submission writes from its batch (the rest are the same for every new job: <c>pending</c>, attempt 0,
    /// submitted now), each with the list's element type PostgreSQL's insert casts it to. Both backends'
    /// <see cref="JobSql.JobInsert"/> and its parameters are built from it.
    /// </summary>
    public static readonly BatchColumn<NewJob>[] Submitted =
    [
        BatchColumn<NewJob>.Of("id", "ids", job => job.Id, "text"),
        BatchColumn<NewJob>.Of("tenant_id", "tenantIds", job => job.TenantId, "text"),
        BatchColumn<NewJob>.Of("package_name", "packageNames", job => job.PackageName, "text"),
        BatchColumn<NewJob>.Of("package_version", "packageVersions", job => job.PackageVersion, "text"),
        BatchColumn<NewJob>.Of("package_sha256", "packageSha256s", job => job.PackageSha256, "text"),
        BatchColumn<NewJob>.Of("max_attempts", "maxAttempts", job => job.MaxAttempts, "integer"),
        BatchColumn<NewJob>.Of("priority", "priorities", job => job.Priority, "integer"),
        BatchColumn<NewJob>.Of("timeout_seconds", "timeouts", job => job.TimeoutSeconds, "integer"),
        BatchColumn<NewJob>.Of("requirements", "requirements", job => StoredJson.Serialize(job.Requirements), "json"),
        BatchColumn<NewJob>.Of("inputs", "inputs", job => StoredJson.ToText(job.Inputs), "json"),
        BatchColumn<NewJob>.Of("idempotency_key", "idempotencyKeys", job => job.IdempotencyKey, "text"),
        BatchColumn<NewJob>.Of("queue", "queues", job => job.Queue, "text"),
        BatchColumn<NewJob>.Of("cpu_millicores", "cpus", job => job.CpuMillicores, "integer"),
        BatchColumn<NewJob>.Of("memory_mb", "memories", job => job.MemoryMb, "bigint"),
    ];

    /// <summary>The <see cref="Submitted"/> columns as an insert names them.</summary>
    public static readonly string SubmittedColumns = BatchColumns.Names(Submitted);

    /// <summary>The parameters of <see cref="JobSql.JobInsert"/>: the <see cref="Submitted"/> lists of <paramref name="jobs"/>, submitted <paramref name="now"/>.</summary>
    public static DynamicParameters SubmittedValues(IReadOnlyList<NewJob> jobs, DateTimeOffset now) =>
        BatchColumns.Parameters(Submitted, jobs, new { now });

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
