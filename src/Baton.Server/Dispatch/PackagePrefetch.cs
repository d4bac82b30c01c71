using System.Collections.Concurrent;
using Baton.Core.AgentProtocol;
using Baton.Server.Hosting;
using Baton.Storage;
using Baton.Storage.Model;
using Microsoft.Extensions.Options;

namespace Baton.Server.Dispatch;

/// <summary>
/// Prefetch: a poll answers with the package versions the tenant published within
/// <see cref="ServerOptions.PrefetchWindow"/> that the agent neither caches nor is fetching, when the
/// agent's group serves at least one of the tenant's queues. The tenant's recent versions and queues
/// are read at most once per <see cref="RefreshInterval"/> per replica (and at once after an upload
/// here), so thousands of polls cost one query.
/// </summary>
public sealed class PackagePrefetch(IBatonStore store, IOptions<ServerOptions> options, TimeProvider time)
{
    public const int MaxOffered = 16;
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Snapshot> _snapshots = new(StringComparer.Ordinal);

    /// <summary>A version was published on this replica: the next poll reads afresh.</summary>
    public void Invalidate(string tenantId) => _snapshots.TryRemove(tenantId, out _);

    public async ValueTask<IReadOnlyList<PackageRef>> OfferAsync(
        AgentRecord agent, IReadOnlySet<string> cached, IReadOnlyCollection<string> fetching, CancellationToken cancellationToken)
    {
        var snapshot = await GetSnapshotAsync(agent.TenantId, cancellationToken);
        if (snapshot.Recent.Count == 0 || !snapshot.Queues.Any(queue => Core.Dispatch.AgentGroupNames.Serves(queue.AgentGroups, agent.Group))) return [];

        List<PackageRef>? offered = null;
        foreach (var version in snapshot.Recent)
        {
            if (cached.Contains(version.Sha256) || fetching.Contains(version.Sha256)) continue;
            if (offered?.Any(p => p.Sha256 == version.Sha256) == true) continue;
            (offered ??= []).Add(new PackageRef(version.Name, version.Version, version.Sha256, version.SizeBytes));
        }
        return offered ?? (IReadOnlyList<PackageRef>)[];
    }

    private async ValueTask<Snapshot> GetSnapshotAsync(string tenantId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_snapshots.TryGetValue(tenantId, out var snapshot) && now - snapshot.ReadAt < RefreshInterval) return snapshot;
        var recent = await store.Packages.ListPublishedSinceAsync(tenantId, now - options.Value.PrefetchWindow, MaxOffered, cancellationToken);
        var queues = recent.Count == 0 ? [] : await store.Queues.ListAsync(tenantId, cancellationToken);
        snapshot = new Snapshot(now, recent, queues);
        _snapshots[tenantId] = snapshot;
        return snapshot;
    }

    private sealed record Snapshot(DateTimeOffset ReadAt, IReadOnlyList<PackageVersionRecord> Recent, IReadOnlyList<QueueRecord> Queues);
}
