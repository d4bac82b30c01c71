using Baton.Core.Packages;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;
using Npgsql;

namespace Baton.Storage.Postgres;

internal sealed class PostgresPackageStore(PostgresDatabase database) : IPackageStore
{
    private const string Columns =
        "tenant_id AS TenantId, name AS Name, version AS Version, sha256 AS Sha256, size_bytes AS SizeBytes, manifest::text AS Manifest, created_at AS CreatedAt";

    public Task<(PackageAddResult Result, PackageVersionRecord Version)> AddVersionAsync(
        PackageVersionRecord version, long storageLimitBytes, CancellationToken cancellationToken) =>
        database.InTenantAsync<(PackageAddResult, PackageVersionRecord)>(version.TenantId, async (connection, transaction) =>
        {
            // Serialises uploads of one tenant across replicas, so the quota sum and the insert are one step.
            await connection.ExecuteAsync(PgSql.Command(
                "SELECT pg_advisory_xact_lock(hashtextextended('packages:' || @TenantId, 0));", new { version.TenantId }, transaction, cancellationToken));
            var existing = await FindAsync(connection, transaction, version.TenantId, version.Name, version.Version, cancellationToken);
            if (existing is not null)
            {
                var same = string.Equals(existing.Sha256, version.Sha256, StringComparison.OrdinalIgnoreCase);
                return (same ? PackageAddResult.Identical : PackageAddResult.Conflict, existing);
            }

            var storedBytes = await connection.ExecuteScalarAsync<long>(PgSql.Command(
                "SELECT COALESCE(SUM(size_bytes), 0)::bigint FROM package_versions WHERE tenant_id = @TenantId;",
                new { version.TenantId }, transaction, cancellationToken));
            if (storedBytes + version.SizeBytes > storageLimitBytes) return (PackageAddResult.QuotaExceeded, version);

            var created = await connection.QuerySingleAsync<PackageVersionRow>(PgSql.Command(
                $"""
                INSERT INTO package_versions (tenant_id, name, version, sha256, size_bytes, manifest, created_at)
                VALUES (@TenantId, @Name, @Version, @Sha256, @SizeBytes, CAST(@Manifest AS jsonb), @CreatedAt)
                RETURNING {Columns};
                """,
                new
                {
                    version.TenantId,
                    version.Name,
                    version.Version,
                    version.Sha256,
                    version.SizeBytes,
                    Manifest = StoredJson.Serialize(version.Manifest),
                    CreatedAt = PgTime.ToDb(version.CreatedAt),
                },
                transaction, cancellationToken));
            return (PackageAddResult.Created, created.ToRecord());
        }, cancellationToken);

    public Task<PackageVersionRecord?> GetVersionAsync(string tenantId, string name, string version, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, (connection, transaction) => FindAsync(connection, transaction, tenantId, name, version, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<PackageVersionRecord>> ListVersionsAsync(string tenantId, string name, CancellationToken cancellationToken) =>
        database.InTenantAsync<IReadOnlyList<PackageVersionRecord>>(tenantId, async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync<PackageVersionRow>(PgSql.Command(
                $"SELECT {Columns} FROM package_versions WHERE tenant_id = @tenantId AND name = @name;",
                new { tenantId, name }, transaction, cancellationToken));
            return rows.Select(row => row.ToRecord()).ToList();
        }, cancellationToken);

    public Task<IReadOnlyList<PackageVersionRecord>> ListAllVersionsAsync(string tenantId, CancellationToken cancellationToken) =>
        database.InTenantAsync<IReadOnlyList<PackageVersionRecord>>(tenantId, async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync<PackageVersionRow>(PgSql.Command(
                $"SELECT {Columns} FROM package_versions WHERE tenant_id = @tenantId;", new { tenantId }, transaction, cancellationToken));
            return rows.Select(row => row.ToRecord()).ToList();
        }, cancellationToken);

    public Task<IReadOnlyList<PackageVersionRecord>> ListPublishedSinceAsync(string tenantId, DateTimeOffset since, int limit, CancellationToken cancellationToken) =>
        database.InTenantAsync<IReadOnlyList<PackageVersionRecord>>(tenantId, async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync<PackageVersionRow>(PgSql.Command(
                $"SELECT {Columns} FROM package_versions WHERE tenant_id = @tenantId AND created_at >= @since ORDER BY created_at DESC LIMIT @limit;",
                new { tenantId, since = PgTime.ToDb(since), limit }, transaction, cancellationToken));
            return rows.Select(row => row.ToRecord()).ToList();
        }, cancellationToken);

    // System scope: blobs are shared by content across tenants; garbage collection must see every reference.
    public Task<bool> IsBlobReferencedAsync(string sha256, CancellationToken cancellationToken) =>
        database.InSystemAsync((connection, transaction) => connection.ExecuteScalarAsync<bool>(PgSql.Command(
            "SELECT EXISTS (SELECT 1 FROM package_versions WHERE sha256 = @sha256);", new { sha256 }, transaction, cancellationToken)), cancellationToken);

    public Task<bool> TenantHasBlobAsync(string tenantId, string sha256, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, (connection, transaction) => connection.ExecuteScalarAsync<bool>(PgSql.Command(
            "SELECT EXISTS (SELECT 1 FROM package_versions WHERE sha256 = @sha256 AND tenant_id = @tenantId);",
            new { tenantId, sha256 }, transaction, cancellationToken)), cancellationToken);

    public Task<(PackageDeleteResult Result, int JobsUsingIt)> DeleteVersionAsync(string tenantId, string name, string version, CancellationToken cancellationToken) =>
        database.InTenantAsync<(PackageDeleteResult, int)>(tenantId, async (connection, transaction) =>
        {
            // The row lock holds off a concurrent delete of the same version until this one decides.
            var exists = await connection.ExecuteScalarAsync<bool>(PgSql.Command(
                "SELECT EXISTS (SELECT 1 FROM package_versions WHERE tenant_id = @tenantId AND name = @name AND version = @version FOR UPDATE);",
                new { tenantId, name, version }, transaction, cancellationToken));
            if (!exists) return (PackageDeleteResult.NotFound, 0);

            var jobsUsingIt = await connection.ExecuteScalarAsync<int>(PgSql.Command(
                """
                SELECT COUNT(*)::integer FROM jobs
                WHERE tenant_id = @tenantId AND package_name = @name AND package_version = @version
                  AND state IN ('pending', 'assigned', 'running');
                """,
                new { tenantId, name, version }, transaction, cancellationToken));
            if (jobsUsingIt > 0) return (PackageDeleteResult.InUse, jobsUsingIt);

            await connection.ExecuteAsync(PgSql.Command(
                "DELETE FROM package_versions WHERE tenant_id = @tenantId AND name = @name AND version = @version;",
                new { tenantId, name, version }, transaction, cancellationToken));
            return (PackageDeleteResult.Deleted, 0);
        }, cancellationToken);

    public Task<long> GetStorageBytesAsync(string tenantId, CancellationToken cancellationToken) =>
        database.InTenantAsync(tenantId, (connection, transaction) => connection.ExecuteScalarAsync<long>(PgSql.Command(
            "SELECT COALESCE(SUM(size_bytes), 0)::bigint FROM package_versions WHERE tenant_id = @tenantId;", new { tenantId }, transaction, cancellationToken)),
            cancellationToken);

    private static async Task<PackageVersionRecord?> FindAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string tenantId, string name, string version, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<PackageVersionRow>(PgSql.Command(
            $"SELECT {Columns} FROM package_versions WHERE tenant_id = @tenantId AND name = @name AND version = @version;",
            new { tenantId, name, version }, transaction, cancellationToken));
        return row?.ToRecord();
    }

    private sealed class PackageVersionRow
    {
        public string TenantId { get; set; } = "";
        public string Name { get; set; } = "";
        public string Version { get; set; } = "";
        public string Sha256 { get; set; } = "";
        public long SizeBytes { get; set; }
        public string Manifest { get; set; } = "";
        public DateTime CreatedAt { get; set; }

        public PackageVersionRecord ToRecord() => new(
            TenantId, Name, Version, Sha256, SizeBytes, StoredJson.Deserialize<PackageManifest>(Manifest), PgTime.FromDb(CreatedAt));
    }
}
