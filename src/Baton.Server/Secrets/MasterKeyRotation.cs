using Baton.Core.Secrets;
using Baton.Storage;

namespace Baton.Server.Secrets;

/// <summary>Where the data keys stand against the master keys this server holds.</summary>
public sealed record SecretsStatus(
    string Source,
    string PrimaryMasterKeyId,
    IReadOnlyList<string> MasterKeyIds,
    IReadOnlyDictionary<string, int> DataKeysByMasterKey,
    IReadOnlyList<string> MissingMasterKeyIds);

/// <summary>The outcome of a re-wrap: how many data keys moved to the primary, and what is still elsewhere.</summary>
public sealed record RewrapResult(string PrimaryMasterKeyId, int Rewrapped, int RemainingOnOtherKeys, IReadOnlyList<string> MissingMasterKeyIds);

/// <summary>
/// Master key rotation without downtime: with the new key first in the ring (the old one kept after it), every
/// data key is unwrapped with the key that wrapped it and wrapped again with the primary, one compare-and-set each,
/// so replicas keep reading secrets throughout. The secrets themselves are not touched. Then the old key can go.
/// </summary>
public sealed class MasterKeyRotation(IBatonStore store, MasterKeyProvider masterKeys)
{
    private const int BatchSize = 200;

    public async Task<SecretsStatus> StatusAsync(CancellationToken cancellationToken)
    {
        var ring = masterKeys.Current();
        var counts = await store.DataKeys.CountByMasterKeyAsync(cancellationToken);
        return new SecretsStatus(masterKeys.Source, ring.Primary.Id, [.. ring.Keys.Select(k => k.Id)], counts,
            [.. counts.Keys.Where(id => ring.Find(id) is null).Order(StringComparer.Ordinal)]);
    }

    public async Task<RewrapResult> RewrapAsync(CancellationToken cancellationToken)
    {
        var ring = masterKeys.Reload();
        var primary = ring.Primary;
        var rewrapped = 0;
        var missing = new SortedSet<string>(StringComparer.Ordinal);
        var skipped = new HashSet<(string, int)>();
        while (true)
        {
            var batch = await store.DataKeys.ListWrappedWithOtherKeysAsync(primary.Id, BatchSize + skipped.Count, cancellationToken);
            var progress = false;
            foreach (var record in batch.Where(r => !skipped.Contains((r.TenantId, r.Version))))
            {
                var dataKey = ring.Find(record.MasterKeyId) is { } old ? DataKeyWrapping.Unwrap(old, record) : null;
                if (dataKey is null)
                {
                    missing.Add(record.MasterKeyId);
                    skipped.Add((record.TenantId, record.Version));
                    continue;
                }
                // Lost the compare-and-set: another replica re-wrapped it (or it changed); the next batch shows it again if needed.
                if (await store.DataKeys.RewrapAsync(record, primary.Id, DataKeyWrapping.Wrap(primary, record.TenantId, record.Version, dataKey), cancellationToken))
                {
                    rewrapped++;
                }
                progress = true;
            }
            if (!progress) break;
        }
        var counts = await store.DataKeys.CountByMasterKeyAsync(cancellationToken);
        return new RewrapResult(primary.Id, rewrapped, counts.Where(c => c.Key != primary.Id).Sum(c => c.Value), [.. missing]);
    }
}
