using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Relational;

/// <summary>
/// The column lists of <c>jobs</c>. Dapper reads a row straight into a <see cref="JobRecord"/> through <see cref="Select"/>:
/// JSON columns and lists through the stored-value handlers, the state through the record's stored form.
/// </summary>
internal static class JobRow
{
    /// <summary>The job states that hold an agent's lease, as an SQL list.</summary>
    public const string ActiveStates = "('assigned', 'running')";

    public static readonly string Select = Columns.Select(
    [
        "id", "tenant_id", "package_name", "package_version", "package_sha256", "state AS StoredState", "attempt", "max_attempts", "priority",
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
}
