using Baton.Storage.Model;

namespace Baton.Storage.Relational;

internal sealed class ArtifactStore(IStoreDatabase database) : IArtifactStore
{
    private static readonly string[] Keys = ["tenant_id", "job_id", "name"];
    private static readonly string[] Written = ["attempt", "sha256", "size_bytes", "created_at"];

    private static readonly string Select = Columns.Select([.. Keys, .. Written]);

    // A name stored again replaces the artifact.
    private static readonly string Upsert =
        $"""
        INSERT INTO job_artifacts ({Columns.Names([.. Keys, .. Written])})
        VALUES ({Columns.Values([.. Keys, .. Written])})
        ON CONFLICT ({Columns.Names(Keys)}) DO UPDATE
        SET {Columns.Excluded(Written)}
        RETURNING {Select};
        """;

    public Task<ArtifactAddOutcome> AddAsync(NewArtifact artifact, CancellationToken cancellationToken) =>
        database.WriteAsync(artifact.TenantId, async session =>
        {
            // The same lock as package uploads: the tenant's storage sum and the insert are one step across replicas.
            await session.LockAsync(TenantStorageLock(artifact.TenantId));
            var holder = await session.QuerySingleOrDefaultAsync<JobHolder>(
                $"SELECT agent_id AS AgentId, attempt AS Attempt, state AS State FROM jobs WHERE tenant_id = @TenantId AND id = @JobId {session.Dialect.LockRows};",
                new { artifact.TenantId, artifact.JobId });
            if (holder is null) return new ArtifactAddOutcome(ArtifactAddResult.NotFound);
            if (holder.AgentId != artifact.AgentId || holder.Attempt != artifact.Attempt || holder.State is not ("assigned" or "running"))
                return new ArtifactAddOutcome(ArtifactAddResult.Stale);

            var replaced = await session.QuerySingleOrDefaultAsync<ArtifactRow>(
                $"SELECT {Select} FROM job_artifacts WHERE tenant_id = @TenantId AND job_id = @JobId AND name = @Name;",
                new { artifact.TenantId, artifact.JobId, artifact.Name });
            var replacedBytes = replaced?.SizeBytes ?? 0;
            var jobBytes = await session.ScalarAsync<long>(
                "SELECT CAST(COALESCE(SUM(size_bytes), 0) AS bigint) FROM job_artifacts WHERE tenant_id = @TenantId AND job_id = @JobId;",
                new { artifact.TenantId, artifact.JobId });
            if (jobBytes - replacedBytes + artifact.SizeBytes > artifact.JobLimitBytes) return new ArtifactAddOutcome(ArtifactAddResult.JobLimitExceeded);
            var storedBytes = await StoredBytesAsync(session, artifact.TenantId);
            if (storedBytes - replacedBytes + artifact.SizeBytes > artifact.StorageLimitBytes) return new ArtifactAddOutcome(ArtifactAddResult.StorageQuotaExceeded);

            var row = await session.QuerySingleAsync<ArtifactRow>(
                Upsert,
                new { artifact.TenantId, artifact.JobId, artifact.Name, artifact.Attempt, artifact.Sha256, artifact.SizeBytes, artifact.CreatedAt });
            var replacedSha = replaced is not null && replaced.Sha256 != artifact.Sha256 ? replaced.Sha256 : null;
            return new ArtifactAddOutcome(ArtifactAddResult.Added, row.ToRecord(), replacedSha);
        }, cancellationToken);

    public Task<IReadOnlyList<ArtifactRecord>> ListAsync(string tenantId, string jobId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<ArtifactRecord>>(tenantId, async session => (await session.QueryAsync<ArtifactRow>(
            $"SELECT {Select} FROM job_artifacts WHERE tenant_id = @tenantId AND job_id = @jobId ORDER BY name;", new { tenantId, jobId }))
            .Select(row => row.ToRecord()).ToList(), cancellationToken);

    public Task<ArtifactRecord?> GetAsync(string tenantId, string jobId, string name, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, async session => (await session.QuerySingleOrDefaultAsync<ArtifactRow>(
            $"SELECT {Select} FROM job_artifacts WHERE tenant_id = @tenantId AND job_id = @jobId AND name = @name;", new { tenantId, jobId, name }))?.ToRecord(),
            cancellationToken);

    public Task<long> GetStorageBytesAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => ArtifactBytesAsync(session, tenantId), cancellationToken);

    public Task<IReadOnlyList<string>> PruneAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken) =>
        database.SystemWriteAsync(session => session.ListAsync<string>(
            """
            DELETE FROM job_artifacts
            WHERE (tenant_id, job_id, name) IN (SELECT tenant_id, job_id, name FROM job_artifacts WHERE created_at < @before ORDER BY created_at LIMIT @limit)
            RETURNING sha256;
            """, new { before, limit }), cancellationToken);

    /// <summary>The lock every write that adds to a tenant's stored bytes (package versions, artifacts) takes first.</summary>
    internal static string TenantStorageLock(string tenantId) => "packages:" + tenantId;

    /// <summary>What the storage quota counts in the database's own tables: package versions and artifacts.</summary>
    internal static async Task<long> StoredBytesAsync(StoreSession session, string tenantId) =>
        await session.ScalarAsync<long>("SELECT CAST(COALESCE(SUM(size_bytes), 0) AS bigint) FROM package_versions WHERE tenant_id = @tenantId;", new { tenantId })
        + await ArtifactBytesAsync(session, tenantId);

    /// <summary>Whether a package version or an artifact of any tenant names this content (system scope).</summary>
    internal const string BlobReferencedSql =
        "SELECT EXISTS (SELECT 1 FROM package_versions WHERE sha256 = @sha256) OR EXISTS (SELECT 1 FROM job_artifacts WHERE sha256 = @sha256);";

    private static Task<long> ArtifactBytesAsync(StoreSession session, string tenantId) =>
        session.ScalarAsync<long>("SELECT CAST(COALESCE(SUM(size_bytes), 0) AS bigint) FROM job_artifacts WHERE tenant_id = @tenantId;", new { tenantId });

    private sealed class JobHolder
    {
        public string? AgentId { get; set; }
        public int Attempt { get; set; }
        public string State { get; set; } = "";
    }

    private sealed class ArtifactRow
    {
        public string TenantId { get; set; } = "";
        public string JobId { get; set; } = "";
        public string Name { get; set; } = "";
        public int Attempt { get; set; }
        public string Sha256 { get; set; } = "";
        public long SizeBytes { get; set; }
        public DateTimeOffset CreatedAt { get; set; }

        public ArtifactRecord ToRecord() => new(TenantId, JobId, Name, Attempt, Sha256, SizeBytes, CreatedAt);
    }
}
