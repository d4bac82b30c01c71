using Baton.Storage.Model;

namespace Baton.Storage;

public interface IPackageStore
{
    /// <summary>
    /// Adds an immutable version. Same name and version with the same SHA-256: <see cref="PackageAddResult.Identical"/>
    /// (nothing changes); with another SHA-256: <see cref="PackageAddResult.Conflict"/>.
    /// When the tenant's stored bytes (package versions and artifacts) plus this version would exceed <paramref name="storageLimitBytes"/>: <see cref="PackageAddResult.QuotaExceeded"/>.
    /// </summary>
    Task<(PackageAddResult Result, PackageVersionRecord Version)> AddVersionAsync(PackageVersionRecord version, long storageLimitBytes, CancellationToken cancellationToken);
    Task<PackageVersionRecord?> GetVersionAsync(string tenantId, string name, string version, CancellationToken cancellationToken);
    /// <summary>All versions of one package, any order.</summary>
    Task<IReadOnlyList<PackageVersionRecord>> ListVersionsAsync(string tenantId, string name, CancellationToken cancellationToken);
    /// <summary>Every version of every package of the tenant, any order.</summary>
    Task<IReadOnlyList<PackageVersionRecord>> ListAllVersionsAsync(string tenantId, CancellationToken cancellationToken);
    /// <summary>The tenant's versions published at or after <paramref name="since"/>, newest first, at most <paramref name="limit"/> (prefetch).</summary>
    Task<IReadOnlyList<PackageVersionRecord>> ListPublishedSinceAsync(string tenantId, DateTimeOffset since, int limit, CancellationToken cancellationToken);
    /// <summary>Whether some package version or artifact in any tenant has this content (so its blob is still referenced).</summary>
    Task<bool> IsBlobReferencedAsync(string sha256, CancellationToken cancellationToken);
    /// <summary>Whether this tenant has a version with this content (agents download by SHA-256).</summary>
    Task<bool> TenantHasBlobAsync(string tenantId, string sha256, CancellationToken cancellationToken);
    /// <summary>Deletes a version unless pending or active jobs use it; the check and delete are atomic.</summary>
    Task<(PackageDeleteResult Result, int JobsUsingIt)> DeleteVersionAsync(string tenantId, string name, string version, CancellationToken cancellationToken);
    Task<long> GetStorageBytesAsync(string tenantId, CancellationToken cancellationToken);
}

public enum PackageAddResult
{
    Created,
    Identical,
    Conflict,
    QuotaExceeded,
}

public enum PackageDeleteResult
{
    Deleted,
    NotFound,
    InUse,
}
