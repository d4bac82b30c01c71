using Baton.Core.Packages;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Baton.Storage.Sqlite;

internal sealed class SqlitePackageStore(SqliteDatabase database) : IPackageStore
{
    private const string Columns =
        "tenant_id AS TenantId, name AS Name, version AS Version, sha256 AS Sha256, size_bytes AS SizeBytes, manifest AS Manifest, created_at AS CreatedAt";

    public Task<(PackageAddResult Result, PackageVersionRecord Version)> AddVersionAsync(
        PackageVersionRecord version, long storageLimitBytes, CancellationToken cancellationToken) =>
        database.WriteAsync<(PackageAddResult, PackageVersionRecord)>(async (connection, transaction) =>
        {
            var existing = await FindAsync(connection, transaction, version.TenantId, version.Name, version.Version, cancellationToken);
            if (existing is not null)
            {
                var same = string.Equals(existing.Sha256, version.Sha256, StringComparison.OrdinalIgnoreCase);
                return (same ? PackageAddResult.Identical : PackageAddResult.Conflict, existing);
            }

            var storedBytes = await connection.ExecuteScalarAsync<long>(Sql.Command(
                "SELECT COALESCE(SUM(size_bytes), 0) FROM package_versions WHERE tenant_id = @TenantId;",
                new { version.TenantId }, transaction, cancellationToken));
            if (storedBytes + version.SizeBytes > storageLimitBytes) return (PackageAddResult.QuotaExceeded, version);

            await connection.ExecuteAsync(Sql.Command(
                """
                INSERT INTO package_versions (tenant_id, name, version, sha256, size_bytes, manifest, created_at)
                VALUES (@TenantId, @Name, @Version, @Sha256, @SizeBytes, @Manifest, @CreatedAt);
                """,
                new
                {
                    version.TenantId,
                    version.Name,
                    version.Version,
                    version.Sha256,
                    version.SizeBytes,
                    Manifest = StoredJson.Serialize(version.Manifest),
                    CreatedAt = StoredTime.ToMs(version.CreatedAt),
                },
                transaction, cancellationToken));
            var created = await FindAsync(connection, transaction, version.TenantId, version.Name, version.Version, cancellationToken);
            return (PackageAddResult.Created, created!);
        }, cancellationToken);

    public Task<PackageVersionRecord?> GetVersionAsync(string tenantId, string name, string version, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => FindAsync(connection, null, tenantId, name, version, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<PackageVersionRecord>> ListVersionsAsync(string tenantId, string name, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<PackageVersionRecord>>(async connection =>
        {
            var rows = await connection.QueryAsync<PackageVersionRow>(Sql.Command(
                $"SELECT {Columns} FROM package_versions WHERE tenant_id = @tenantId AND name = @name;",
                new { tenantId, name }, cancellationToken));
            return rows.Select(row => row.ToRecord()).ToList();
        }, cancellationToken);

    public Task<IReadOnlyList<PackageVersionRecord>> ListAllVersionsAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<PackageVersionRecord>>(async connection =>
        {
            var rows = await connection.QueryAsync<PackageVersionRow>(Sql.Command(
                $"SELECT {Columns} FROM package_versions WHERE tenant_id = @tenantId;", new { tenantId }, cancellationToken));
            return rows.Select(row => row.ToRecord()).ToList();
        }, cancellationToken);

    public Task<IReadOnlyList<PackageVersionRecord>> ListPublishedSinceAsync(string tenantId, DateTimeOffset since, int limit, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<PackageVersionRecord>>(async connection =>
        {
            var rows = await connection.QueryAsync<PackageVersionRow>(Sql.Command(
                $"SELECT {Columns} FROM package_versions WHERE tenant_id = @tenantId AND created_at >= @since ORDER BY created_at DESC LIMIT @limit;",
                new { tenantId, since = StoredTime.ToMs(since), limit }, cancellationToken));
            return rows.Select(row => row.ToRecord()).ToList();
        }, cancellationToken);

    public Task<bool> IsBlobReferencedAsync(string sha256, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => connection.ExecuteScalarAsync<bool>(Sql.Command(
            "SELECT EXISTS (SELECT 1 FROM package_versions WHERE sha256 = @sha256);", new { sha256 }, cancellationToken)), cancellationToken);

    public Task<bool> TenantHasBlobAsync(string tenantId, string sha256, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => connection.ExecuteScalarAsync<bool>(Sql.Command(
            "SELECT EXISTS (SELECT 1 FROM package_versions WHERE sha256 = @sha256 AND tenant_id = @tenantId);",
            new { tenantId, sha256 }, cancellationToken)), cancellationToken);

    public Task<(PackageDeleteResult Result, int JobsUsingIt)> DeleteVersionAsync(string tenantId, string name, string version, CancellationToken cancellationToken) =>
        database.WriteAsync<(PackageDeleteResult, int)>(async (connection, transaction) =>
        {
            var existing = await FindAsync(connection, transaction, tenantId, name, version, cancellationToken);
            if (existing is null) return (PackageDeleteResult.NotFound, 0);

            var jobsUsingIt = await connection.ExecuteScalarAsync<int>(Sql.Command(
                """
                SELECT COUNT(*) FROM jobs
                WHERE tenant_id = @tenantId AND package_name = @name AND package_version = @version
                  AND state IN ('pending', 'assigned', 'running');
                """,
                new { tenantId, name, version }, transaction, cancellationToken));
            if (jobsUsingIt > 0) return (PackageDeleteResult.InUse, jobsUsingIt);

            await connection.ExecuteAsync(Sql.Command(
                "DELETE FROM package_versions WHERE tenant_id = @tenantId AND name = @name AND version = @version;",
                new { tenantId, name, version }, transaction, cancellationToken));
            return (PackageDeleteResult.Deleted, 0);
        }, cancellationToken);

    public Task<long> GetStorageBytesAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => connection.ExecuteScalarAsync<long>(Sql.Command(
            "SELECT COALESCE(SUM(size_bytes), 0) FROM package_versions WHERE tenant_id = @tenantId;", new { tenantId }, cancellationToken)),
            cancellationToken);

    private static async Task<PackageVersionRecord?> FindAsync(
        SqliteConnection connection, SqliteTransaction? transaction, string tenantId, string name, string version, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<PackageVersionRow>(Sql.Command(
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
        public long CreatedAt { get; set; }

        public PackageVersionRecord ToRecord() => new(
            TenantId, Name, Version, Sha256, SizeBytes, StoredJson.Deserialize<PackageManifest>(Manifest), StoredTime.FromMs(CreatedAt));
    }
}
