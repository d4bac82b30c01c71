using System.Collections.Concurrent;
using Baton.Server.Packages;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Jobs;

/// <summary>
/// What a submission looks up before its insert — the package version a name (and "latest") resolves to,
/// and that the queue exists — remembered for <see cref="Freshness"/>, so a burst of submissions costs
/// the store one transaction each instead of three. Only found things are remembered. This replica forgets
/// a package's entries when it adds or deletes one of its versions; another replica may resolve "latest"
/// to the previous version for up to <see cref="Freshness"/> after a publish.
/// </summary>
public sealed class SubmissionLookups(IBatonStore store, TimeProvider time)
{
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<(string TenantId, string Name, string Version), Entry<PackageVersionRecord>> _versions = new();
    private readonly ConcurrentDictionary<(string TenantId, string Queue), Entry<bool>> _queues = new();

    /// <summary>The version <paramref name="version"/> names (null or "latest": the newest), or null when there is none.</summary>
    public async ValueTask<PackageVersionRecord?> GetVersionAsync(string tenantId, string name, string? version, CancellationToken cancellationToken)
    {
        var wanted = version is null or "latest" ? "latest" : PackageVersions.Normalise(version) ?? version;
        var key = (tenantId, name, wanted);
        var now = time.GetUtcNow();
        if (_versions.TryGetValue(key, out var entry) && now - entry.ReadAt < Freshness) return entry.Value;
        var found = wanted == "latest"
            ? PackageVersions.Latest(await store.Packages.ListVersionsAsync(tenantId, name, cancellationToken))
            : await store.Packages.GetVersionAsync(tenantId, name, wanted, cancellationToken);
        if (found is null) _versions.TryRemove(key, out _);
        else _versions[key] = new Entry<PackageVersionRecord>(found, now);
        return found;
    }

    /// <summary>Whether the tenant has the queue.</summary>
    public async ValueTask<bool> QueueExistsAsync(string tenantId, string queue, CancellationToken cancellationToken)
    {
        var key = (tenantId, queue);
        var now = time.GetUtcNow();
        if (_queues.TryGetValue(key, out var entry) && now - entry.ReadAt < Freshness) return true;
        var exists = await store.Queues.GetAsync(tenantId, queue, cancellationToken) is not null;
        if (exists) _queues[key] = new Entry<bool>(true, now);
        else _queues.TryRemove(key, out _);
        return exists;
    }

    /// <summary>A version of the package was added or deleted here: resolve its name afresh.</summary>
    public void PackageChanged(string tenantId, string name)
    {
        foreach (var key in _versions.Keys)
        {
            if (key.TenantId == tenantId && string.Equals(key.Name, name, StringComparison.OrdinalIgnoreCase)) _versions.TryRemove(key, out _);
        }
    }

    private sealed record Entry<T>(T Value, DateTimeOffset ReadAt);
}
