using System.Collections.Concurrent;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Packages;

/// <summary>
/// Package versions for the dispatch path, keyed by their content hash as well as name and
/// version: a version's content never changes (a re-upload after a delete has another hash and
/// another key), so an entry never goes stale. Saves one store round trip per assigned job.
/// </summary>
public sealed class PackageVersionCache(IBatonStore store)
{
    private const int MaxEntries = 20_000;

    private readonly ConcurrentDictionary<(string Tenant, string Name, string Version, string Sha256), PackageVersionRecord> _versions = new();

    public async ValueTask<PackageVersionRecord?> GetAsync(string tenantId, string name, string version, string sha256, CancellationToken cancellationToken)
    {
        var key = (tenantId, name, version, sha256);
        if (_versions.TryGetValue(key, out var cached)) return cached;
        var record = await store.Packages.GetVersionAsync(tenantId, name, version, cancellationToken);
        if (record is null || !string.Equals(record.Sha256, sha256, StringComparison.OrdinalIgnoreCase)) return record;
        if (_versions.Count >= MaxEntries) _versions.Clear();
        _versions[key] = record;
        return record;
    }
}
