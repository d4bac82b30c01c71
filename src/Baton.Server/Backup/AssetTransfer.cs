using System.Text.Json;
using Baton.Core.Assets;
using Baton.Core.Dispatch;
using Baton.Core.Secrets;
using Baton.Server.Assets;
using Baton.Server.Secrets;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Backup;

/// <summary>
/// Assets in <c>baton export</c> / <c>baton import</c>. A credential's secret is sealed with its tenant's data key, which
/// opens only under the source's master keys; so by default an export leaves every secret out (the import lists the
/// credentials that need one), and with a passphrase it opens them here and seals them again under the passphrase, for
/// the import to seal under the target's own data key.
/// </summary>
public static class AssetTransfer
{
    /// <summary>The tenant's assets; <paramref name="sealing"/> null leaves secrets out, else <paramref name="secrets"/> opens them to seal under it.</summary>
    public static async Task<IReadOnlyList<AssetExport>> ExportAsync(
        IBatonStore store, string tenantId, PassphraseSealing? sealing, AssetSecrets? secrets, CancellationToken ct)
    {
        var exported = new List<AssetExport>();
        foreach (var asset in await store.Assets.ListAsync(tenantId, ct))
        {
            var overrides = new SortedDictionary<string, ExportedAssetValue>(StringComparer.Ordinal);
            foreach (var (group, value) in asset.Overrides) overrides[group] = await ExportValueAsync(tenantId, asset.Name, group, value, sealing, secrets, ct);
            exported.Add(new AssetExport(asset.Name, asset.Type, asset.Queue, asset.AgentGroup, asset.Description,
                await ExportValueAsync(tenantId, asset.Name, "", asset.Value, sealing, secrets, ct), overrides));
        }
        return exported;
    }

    private static async Task<ExportedAssetValue> ExportValueAsync(
        string tenantId, string assetName, string group, AssetValue value, PassphraseSealing? sealing, AssetSecrets? secrets, CancellationToken ct)
    {
        if (value.Secret is not { } stored || sealing is null) return new ExportedAssetValue(value.Value, value.Username, value.Secret is not null, null);
        var secret = await secrets!.RevealAsync(tenantId, assetName, group, stored, ct);
        return new ExportedAssetValue(value.Value, value.Username, true, sealing.Seal(assetName, group, secret));
    }

    /// <summary>What is wrong with a tenant's assets in a document, checked before anything is written; null when nothing.</summary>
    public static string? Problem(TenantConfiguration item, PassphraseSealing? sealing)
    {
        foreach (var asset in item.Assets ?? [])
        {
            var where = $"Asset '{asset.Name}' of tenant '{item.Tenant.Name}'";
            if (!AssetNames.IsValid(asset.Name)) return $"{where} has an invalid name: {AssetNames.Rule}.";
            if (!AssetTypes.IsValid(asset.Type)) return $"{where} has type '{asset.Type}'; types are {string.Join(", ", AssetTypes.All)}.";
            if (asset.Value is null || asset.Overrides is null) return $"{where} lacks its value or its overrides.";
            if (asset.Overrides.Keys.FirstOrDefault(g => !AgentGroupNames.IsValid(g)) is { } badGroup)
                return $"{where} has an override for '{badGroup}', which is not an agent group name.";
            foreach (var (group, value) in asset.Overrides.Prepend(new("", asset.Value)))
            {
                var which = group.Length == 0 ? where : $"{where} (override of agent group '{group}')";
                if (ValueProblem(asset.Type, value) is { } problem) return $"{which}: {problem}";
                // Without the passphrase (import --without-secrets) a sealed secret is not read: the credential is listed as needing one.
                if (value.Secret is null || sealing is null) continue;
                if (!sealing.TryOpen(asset.Name, group, value.Secret, out _)) return $"{which}: its secret does not open with the passphrase (damaged, or moved from another asset).";
            }
        }
        return null;
    }

    private static string? ValueProblem(string type, ExportedAssetValue value)
    {
        if (type == AssetTypes.Credential)
        {
            if (value.Value is not null) return "a credential has a username and a secret, not a value.";
            return value.Secret is not null && !value.HasSecret ? "it carries a secret but says it has none." : null;
        }
        if (value.Username is not null || value.HasSecret || value.Secret is not null) return $"a {type} asset has a value, not a username or secret.";
        if (value.Value is null) return $"a {type} asset needs its value.";
        try
        {
            using var parsed = JsonDocument.Parse(value.Value);
            return AssetRequests.CheckValue(type, parsed.RootElement, null, null, secretOptional: false) is { } problem ? problem.Message : null;
        }
        catch (JsonException)
        {
            return "its value is not JSON.";
        }
    }

    /// <summary>
    /// Saves the tenant's assets (the tenant is new in the target); secrets sealed under the passphrase are sealed again
    /// with the target's data key. Returns the credentials left without a secret ("name" or "name (agent group g)").
    /// </summary>
    public static async Task<IReadOnlyList<string>> ImportAsync(
        IBatonStore store, TenantConfiguration item, PassphraseSealing? sealing, AssetSecrets? secrets, DateTimeOffset now, CancellationToken ct)
    {
        var tenantId = item.Tenant.Id;
        var missing = new List<string>();
        foreach (var asset in item.Assets ?? [])
        {
            var definition = new AssetDefinition(tenantId, asset.Name, asset.Type, asset.Queue, asset.AgentGroup, asset.Description);
            await store.Assets.SaveAsync(definition, await ImportValueAsync(tenantId, asset, "", asset.Value, sealing, secrets, missing, ct), now, ct);
            foreach (var (group, value) in asset.Overrides)
                await store.Assets.SetOverrideAsync(tenantId, asset.Name, group, await ImportValueAsync(tenantId, asset, group, value, sealing, secrets, missing, ct), now, ct);
        }
        return missing;
    }

    private static async Task<AssetValue> ImportValueAsync(
        string tenantId, AssetExport asset, string group, ExportedAssetValue value, PassphraseSealing? sealing, AssetSecrets? secrets, List<string> missing,
        CancellationToken ct)
    {
        if (asset.Type != AssetTypes.Credential) return new AssetValue(value.Value);
        if (value.Secret is null || sealing is null || secrets is null || !sealing.TryOpen(asset.Name, group, value.Secret, out var secret))
        {
            missing.Add(group.Length == 0 ? asset.Name : $"{asset.Name} (agent group {group})");
            return new AssetValue(null, value.Username);
        }
        return new AssetValue(null, value.Username, await secrets.ProtectAsync(tenantId, asset.Name, group, secret, ct));
    }

    /// <summary>
    /// Before sealing a moved tenant's secrets: when the master key that wraps its newest data key is not in the target's
    /// ring (another deployment), gives the tenant a new data key version under the target's primary key, so the secrets
    /// imported now open here. Webhook secrets sealed under the older versions still need the source's master key.
    /// </summary>
    public static async Task EnsureSealableAsync(IBatonStore store, MasterKeyProvider masterKeys, string tenantId, DateTimeOffset now, CancellationToken ct)
    {
        var keys = await store.DataKeys.ListAsync(tenantId, ct);
        if (keys.Count == 0) return;
        var ring = masterKeys.Current();
        var newest = keys[^1];
        if (ring.Find(newest.MasterKeyId) is not null) return;
        var version = newest.Version + 1;
        await store.DataKeys.AddAsync(new DataKeyRecord(tenantId, version, ring.Primary.Id, DataKeyWrapping.Wrap(ring.Primary, tenantId, version, AesGcmEnvelope.NewKey()), now), ct);
    }
}
