using System.Collections.Concurrent;
using Baton.Server.Hosting;
using Baton.Storage;
using Microsoft.Extensions.Options;

namespace Baton.Server.Tenancy;

/// <summary>
/// A tenant's storage use: its package versions and job artifacts plus the log text it stored within retention. Log use is
/// read at most every few seconds per tenant and replica (log batches ask on every append), so the quota
/// is a soft limit for logs: a tenant may pass it by what its jobs write in those seconds.
/// </summary>
public sealed class TenantStorage(IBatonStore store, IOptions<ServerOptions> options, TimeProvider time)
{
    private static readonly TimeSpan LogUsageLifetime = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, (long Bytes, DateTimeOffset At)> _logBytes = new();
    private readonly ConcurrentDictionary<string, (long Bytes, DateTimeOffset At)> _usedBytes = new();

    public async Task<long> GetLogBytesAsync(string tenantId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_logBytes.TryGetValue(tenantId, out var hit) && now - hit.At < LogUsageLifetime) return hit.Bytes;
        var bytes = await store.Jobs.GetLogBytesAsync(tenantId, now - options.Value.HistoryRetention, cancellationToken);
        if (_logBytes.Count > 100_000) _logBytes.Clear();
        _logBytes[tenantId] = (bytes, now);
        return bytes;
    }

    /// <summary>Packages, artifacts and logs together, read now (for reports).</summary>
    public async Task<long> ReadUsedBytesAsync(string tenantId, CancellationToken cancellationToken) =>
        await store.Packages.GetStorageBytesAsync(tenantId, cancellationToken)
        + await store.Artifacts.GetStorageBytesAsync(tenantId, cancellationToken)
        + await store.Jobs.GetLogBytesAsync(tenantId, time.GetUtcNow() - options.Value.HistoryRetention, cancellationToken);

    /// <summary>Packages, artifacts and logs together, as the storage quota counts them (at most a few seconds old).</summary>
    public async Task<long> GetUsedBytesAsync(string tenantId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_usedBytes.TryGetValue(tenantId, out var hit) && now - hit.At < LogUsageLifetime) return hit.Bytes;
        var bytes = await store.Packages.GetStorageBytesAsync(tenantId, cancellationToken)
            + await store.Artifacts.GetStorageBytesAsync(tenantId, cancellationToken)
            + await GetLogBytesAsync(tenantId, cancellationToken);
        if (_usedBytes.Count > 100_000) _usedBytes.Clear();
        _usedBytes[tenantId] = (bytes, now);
        return bytes;
    }
}
