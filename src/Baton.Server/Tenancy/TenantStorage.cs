using Baton.Server.Hosting;
using Baton.Server.Security;
using Baton.Storage;
using Microsoft.Extensions.Options;

namespace Baton.Server.Tenancy;

/// <summary>
/// A tenant's storage use: its package versions and job artifacts plus the log text it stored within retention. Log use is
/// read at most every few seconds per tenant and replica (log batches ask on every append), so the quota
/// is a soft limit for logs: a tenant may pass it by what its jobs write in those seconds.
/// </summary>
/// <remarks>
/// One read per tenant in flight (<see cref="SingleFlightCache{TValue}"/>): when a tenant's figure expires behind the
/// log batches of many agents, they share one read instead of each making its own.
/// </remarks>
public sealed class TenantStorage
{
    private static readonly TimeSpan UsageLifetime = TimeSpan.FromSeconds(10);
    private const int MaxTenants = 100_000;
    private readonly IBatonStore _store;
    private readonly IOptions<ServerOptions> _options;
    private readonly TimeProvider _time;
    private readonly SingleFlightCache<long> _logBytes;
    private readonly SingleFlightCache<long> _usedBytes;

    public TenantStorage(IBatonStore store, IOptions<ServerOptions> options, TimeProvider time)
    {
        _store = store;
        _options = options;
        _time = time;
        _logBytes = new(UsageLifetime, time, MaxTenants, tenantId => ReadLogBytesAsync(tenantId, CancellationToken.None));
        _usedBytes = new(UsageLifetime, time, MaxTenants, async tenantId =>
            await ReadPackageAndArtifactBytesAsync(tenantId, CancellationToken.None) + await _logBytes.GetAsync(tenantId, CancellationToken.None));
    }

    /// <summary>The log text the tenant stored within retention, at most a few seconds old.</summary>
    public Task<long> GetLogBytesAsync(string tenantId, CancellationToken cancellationToken) => _logBytes.GetAsync(tenantId, cancellationToken);

    /// <summary>Packages, artifacts and logs together, read now (for reports).</summary>
    public async Task<long> ReadUsedBytesAsync(string tenantId, CancellationToken cancellationToken) =>
        await ReadPackageAndArtifactBytesAsync(tenantId, cancellationToken) + await ReadLogBytesAsync(tenantId, cancellationToken);

    /// <summary>Packages, artifacts and logs together, as the storage quota counts them (at most a few seconds old).</summary>
    public Task<long> GetUsedBytesAsync(string tenantId, CancellationToken cancellationToken) => _usedBytes.GetAsync(tenantId, cancellationToken);

    private Task<long> ReadLogBytesAsync(string tenantId, CancellationToken cancellationToken) =>
        _store.Jobs.GetLogBytesAsync(tenantId, _time.GetUtcNow() - _options.Value.HistoryRetention, cancellationToken);

    private async Task<long> ReadPackageAndArtifactBytesAsync(string tenantId, CancellationToken cancellationToken) =>
        await _store.Packages.GetStorageBytesAsync(tenantId, cancellationToken) + await _store.Artifacts.GetStorageBytesAsync(tenantId, cancellationToken);
}
