using Baton.Storage.Model;

namespace Baton.Storage.Relational;

internal sealed class PackageStore(IStoreDatabase database) : IPackageStore
{
    // In the order of PackageVersionRecord's constructor: Dapper reads a row straight into it.
    private static readonly string[] All = ["tenant_id", "name", "version", "sha256", "size_bytes", "manifest", "created_at"];

    private static readonly string Select = Columns.Select(All);
    private static readonly string Insert = $"INSERT INTO package_versions ({Columns.Names(All)}) VALUES ({Columns.Values(All)}) RETURNING {Select};";

    public Task<(PackageAddResult Result, PackageVersionRecord Version)> AddVersionAsync(
        PackageVersionRecord version, long storageLimitBytes, CancellationToken cancellationToken) =>
        database.WriteAsync<(PackageAddResult, PackageVersionRecord)>(version.TenantId, async session =>
        {
            // Serialises uploads of one tenant across replicas, so the quota sum and the insert are one step.
            await session.LockAsync(ArtifactStore.TenantStorageLock(version.TenantId));
            var existing = await FindAsync(session, version.TenantId, version.Name, version.Version);
            if (existing is not null)
            {
                var same = string.Equals(existing.Sha256, version.Sha256, StringComparison.OrdinalIgnoreCase);
                return (same ? PackageAddResult.Identical : PackageAddResult.Conflict, existing);
            }

            // Artifacts count against the same quota.
            var storedBytes = await ArtifactStore.StoredBytesAsync(session, version.TenantId);
            if (storedBytes + version.SizeBytes > storageLimitBytes) return (PackageAddResult.QuotaExceeded, version);

            return (PackageAddResult.Created, await session.QuerySingleAsync<PackageVersionRecord>(Insert, version));
        }, cancellationToken);

    public Task<PackageVersionRecord?> GetVersionAsync(string tenantId, string name, string version, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => FindAsync(session, tenantId, name, version), cancellationToken);

    public Task<IReadOnlyList<PackageVersionRecord>> ListVersionsAsync(string tenantId, string name, CancellationToken cancellationToken) =>
        ListAsync(tenantId, "AND name = @name", new { tenantId, name }, cancellationToken);

    public Task<IReadOnlyList<PackageVersionRecord>> ListAllVersionsAsync(string tenantId, CancellationToken cancellationToken) =>
        ListAsync(tenantId, "", new { tenantId }, cancellationToken);

    public Task<IReadOnlyList<PackageVersionRecord>> ListPublishedSinceAsync(string tenantId, DateTimeOffset since, int limit, CancellationToken cancellationToken) =>
        ListAsync(tenantId, "AND created_at >= @since ORDER BY created_at DESC LIMIT @limit", new { tenantId, since, limit }, cancellationToken);

    // System scope: blobs are shared by content across tenants (and with artifacts); garbage collection must see every reference.
    public Task<bool> IsBlobReferencedAsync(string sha256, CancellationToken cancellationToken) =>
        database.SystemReadAsync(session => session.ScalarAsync<bool>(ArtifactStore.BlobReferencedSql, new { sha256 }), cancellationToken);

    public Task<bool> TenantHasBlobAsync(string tenantId, string sha256, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => session.ScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM package_versions WHERE sha256 = @sha256 AND tenant_id = @tenantId);", new { tenantId, sha256 }), cancellationToken);

    public Task<(PackageDeleteResult Result, int JobsUsingIt)> DeleteVersionAsync(string tenantId, string name, string version, CancellationToken cancellationToken) =>
        database.WriteAsync<(PackageDeleteResult, int)>(tenantId, async session =>
        {
            // The row lock holds off a concurrent delete of the same version until this one decides.
            var exists = await session.ScalarAsync<bool>(
                $"SELECT EXISTS (SELECT 1 FROM package_versions WHERE tenant_id = @tenantId AND name = @name AND version = @version {session.Dialect.LockRows});",
                new { tenantId, name, version });
            if (!exists) return (PackageDeleteResult.NotFound, 0);

            var jobsUsingIt = await session.ScalarAsync<int>(
                """
                SELECT COUNT(*) FROM jobs
                WHERE tenant_id = @tenantId AND package_name = @name AND package_version = @version
                  AND state IN ('pending', 'assigned', 'running');
                """,
                new { tenantId, name, version });
            if (jobsUsingIt > 0) return (PackageDeleteResult.InUse, jobsUsingIt);

            await session.ExecuteAsync(
                "DELETE FROM package_versions WHERE tenant_id = @tenantId AND name = @name AND version = @version;", new { tenantId, name, version });
            return (PackageDeleteResult.Deleted, 0);
        }, cancellationToken);

    public Task<long> GetStorageBytesAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => StorageBytesAsync(session, tenantId), cancellationToken);

    private static Task<long> StorageBytesAsync(StoreSession session, string tenantId) =>
        session.ScalarAsync<long>("SELECT CAST(COALESCE(SUM(size_bytes), 0) AS bigint) FROM package_versions WHERE tenant_id = @tenantId;", new { tenantId });

    private Task<IReadOnlyList<PackageVersionRecord>> ListAsync(string tenantId, string filter, object parameters, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => session.ListAsync<PackageVersionRecord>(
            $"SELECT {Select} FROM package_versions WHERE tenant_id = @tenantId {filter};", parameters), cancellationToken);

    private static Task<PackageVersionRecord?> FindAsync(StoreSession session, string tenantId, string name, string version) =>
        session.QuerySingleOrDefaultAsync<PackageVersionRecord>(
            $"SELECT {Select} FROM package_versions WHERE tenant_id = @tenantId AND name = @name AND version = @version;",
            new { tenantId, name, version });
}
