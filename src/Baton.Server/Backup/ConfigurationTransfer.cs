using System.Security.Cryptography;
using Baton.Core.Secrets;
using Baton.Server.Secrets;
using Baton.Storage;
using Baton.Storage.Blobs;
using Baton.Storage.Model;

namespace Baton.Server.Backup;

/// <summary>
/// <c>baton export</c> / <c>baton import</c>: reads and writes configuration through the storage contract, so it
/// works the same on SQLite and PostgreSQL and moves a tenant from one deployment (or backend) to another. A tenant
/// keeps its id on the way, because its sealed secrets are bound to it.
/// </summary>
public static class ConfigurationTransfer
{
    /// <param name="secrets">With it, credential secrets are exported sealed under its passphrase; without, left out.</param>
    public static async Task<ConfigurationDocument> ExportAsync(
        IBatonStore store, IBlobStore blobs, IReadOnlyCollection<string> tenantNames, SecretTransfer? secrets, TimeProvider time, CancellationToken ct)
    {
        var all = await store.Tenants.ListAsync(ct);
        var unknown = tenantNames.Where(name => all.All(t => t.Name != name)).ToList();
        if (unknown.Count > 0) throw new BackupRefusedException($"There is no tenant named '{unknown[0]}'.");
        var chosen = tenantNames.Count == 0 ? all : all.Where(t => tenantNames.Contains(t.Name)).ToList();
        var tenants = new List<TenantConfiguration>();
        foreach (var tenant in chosen.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            var packages = new List<PackageExport>();
            foreach (var version in (await store.Packages.ListAllVersionsAsync(tenant.Id, ct)).OrderBy(v => v.Name, StringComparer.Ordinal).ThenBy(v => v.CreatedAt))
            {
                await using var content = await blobs.OpenReadAsync(version.Sha256, ct)
                    ?? throw new BackupRefusedException($"The archive of package {version.Name} {version.Version} (tenant '{tenant.Name}', blob {version.Sha256}) is missing from the blob store.");
                using var buffer = new MemoryStream();
                await content.CopyToAsync(buffer, ct);
                packages.Add(new PackageExport(version, Convert.ToBase64String(buffer.ToArray())));
            }
            tenants.Add(new TenantConfiguration(
                tenant,
                await store.DataKeys.ListAsync(tenant.Id, ct),
                await store.ApiKeys.ListAsync(tenant.Id, ct),
                await store.Queues.ListAsync(tenant.Id, ct),
                await store.Calendars.ListAsync(tenant.Id, ct),
                packages,
                await store.Schedules.ListAsync(tenant.Id, ct),
                await store.Webhooks.ListAsync(tenant.Id, ct),
                await AssetTransfer.ExportAsync(store, tenant.Id, secrets?.Sealing, secrets?.Secrets, ct),
                await store.WorkItemTriggers.ListAsync(tenant.Id, ct)));
        }
        return new ConfigurationDocument(ConfigurationDocument.CurrentFormat, time.GetUtcNow(), store.Capabilities.Backend, tenants, secrets?.Sealing.Parameters);
    }

    /// <summary>
    /// Imports every tenant of the document. A tenant whose id or name the target already has is refused before
    /// anything is written (nothing of the document is imported then); so is a package whose bytes do not match, or an
    /// asset that is not valid. <paramref name="secrets"/>: the passphrase the document's secrets are sealed under and
    /// the target's keys to seal them again; without it, credentials are imported without their secrets.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ImportAsync(
        IBatonStore store, IBlobStore blobs, ConfigurationDocument document, SecretTransfer? secrets, TimeProvider time, CancellationToken ct)
    {
        if (document.Format is < 1 or > ConfigurationDocument.CurrentFormat)
            throw new BackupRefusedException($"The document has format {document.Format}; this Baton reads formats 1 to {ConfigurationDocument.CurrentFormat}.");
        foreach (var item in document.Tenants)
        {
            if (AssetTransfer.Problem(item, secrets?.Sealing) is { } problem) throw new BackupRefusedException($"{problem} Nothing was imported.");
            if (await store.Tenants.GetAsync(item.Tenant.Id, ct) is not null || await store.Tenants.GetByNameAsync(item.Tenant.Name, ct) is not null)
                throw new BackupRefusedException($"The target already has tenant '{item.Tenant.Name}' (id {item.Tenant.Id}); nothing was imported.");
            CheckOwnership(item);
            foreach (var package in item.Packages) CheckArchive(item.Tenant, package);
        }
        var summary = new List<string>();
        foreach (var item in document.Tenants) summary.AddRange(await ImportTenantAsync(store, blobs, item, secrets, time.GetUtcNow(), ct));
        return summary;
    }

    private static async Task<IReadOnlyList<string>> ImportTenantAsync(
        IBatonStore store, IBlobStore blobs, TenantConfiguration item, SecretTransfer? secrets, DateTimeOffset now, CancellationToken ct)
    {
        var tenantId = item.Tenant.Id;
        if (!await store.Tenants.CreateAsync(item.Tenant, ct))
            throw new BackupRefusedException($"Tenant '{item.Tenant.Name}' was created in the target meanwhile; import stopped.");
        foreach (var key in item.DataKeys) await store.DataKeys.AddAsync(key, ct);
        foreach (var key in item.ApiKeys) await store.ApiKeys.CreateAsync(key, ct);
        foreach (var queue in item.Queues)
        {
            // The target made the tenant's default queue with the tenant; give it the source's settings.
            if (await store.Queues.CreateAsync(queue, int.MaxValue, ct) == QueueCreateResult.NameTaken)
            {
                await store.Queues.UpdateAsync(tenantId, queue.Name, new QueueUpdate(queue.Priority, queue.MaxConcurrency, queue.MaxConcurrency is null,
                    queue.Paused, queue.AgentGroups, queue.ReservedSlots, queue.ReservedMinPriority), ct);
            }
        }
        // The tenant is new and its schedules come after its calendars: no schedule's next fire to recompute yet.
        foreach (var calendar in item.Calendars) await store.Calendars.SaveAsync(calendar, replace: true, nextFireOf: null, ct);
        foreach (var package in item.Packages)
        {
            await blobs.PutAsync(new MemoryStream(Convert.FromBase64String(package.Archive)), ct);
            await store.Packages.AddVersionAsync(package.Version, long.MaxValue, ct);
        }
        // The source's jobs stay behind, so a schedule forgets its last job; when it fires next is kept.
        foreach (var schedule in item.Schedules)
            await store.Schedules.CreateAsync(schedule with { LastJobId = null, LastJobCounted = true, QueuedFireAt = null }, int.MaxValue, ct);
        // Event cursors number the source's events; the target's stream for this tenant starts afresh.
        foreach (var webhook in item.Webhooks) await store.Webhooks.CreateAsync(webhook with { EventCursor = 0 }, ct);
        if (secrets is not null && item.Assets?.Any(a => a.Value.Secret is not null || a.Overrides.Values.Any(o => o.Secret is not null)) == true)
            await AssetTransfer.EnsureSealableAsync(store, secrets.MasterKeys, tenantId, now, ct);
        var missing = await AssetTransfer.ImportAsync(store, item, secrets?.Sealing, secrets?.Secrets, now, ct);
        // A trigger's slots name the source's jobs, which stay behind: it starts afresh, with nothing started or refused yet.
        foreach (var trigger in item.Triggers ?? [])
            await store.WorkItemTriggers.SaveAsync(trigger with { LastStartedAt = null, LastError = null, LastErrorAt = null }, ct);
        List<string> lines = [$"{item.Tenant.Name}: {item.ApiKeys.Count} API keys, {item.Queues.Count} queues, {item.Calendars.Count} calendars, " +
            $"{item.Packages.Count} package versions, {item.Schedules.Count} schedules, {item.Webhooks.Count} webhooks, {item.Assets?.Count ?? 0} assets, " +
            $"{item.Triggers?.Count ?? 0} work-item triggers"];
        if (missing.Count > 0)
            lines.Add($"{item.Tenant.Name}: credentials without a secret (set with baton asset set NAME --type credential): {string.Join(", ", missing)}");
        return lines;
    }

    /// <summary>Everything under a tenant must belong to it: a document cannot smuggle rows into another tenant.</summary>
    private static void CheckOwnership(TenantConfiguration item)
    {
        var id = item.Tenant.Id;
        var owners = item.DataKeys.Select(k => k.TenantId).Concat(item.ApiKeys.Select(k => k.TenantId)).Concat(item.Queues.Select(q => q.TenantId))
            .Concat(item.Calendars.Select(c => c.TenantId)).Concat(item.Packages.Select(p => p.Version.TenantId))
            .Concat(item.Schedules.Select(s => s.TenantId)).Concat(item.Webhooks.Select(w => w.TenantId))
            .Concat((item.Triggers ?? []).Select(t => t.TenantId));
        if (owners.Any(owner => owner != id))
            throw new BackupRefusedException($"Tenant '{item.Tenant.Name}' lists rows of another tenant; nothing was imported.");
        if (item.ApiKeys.Any(k => k.IsSystemAdmin))
            throw new BackupRefusedException($"Tenant '{item.Tenant.Name}' lists a system-admin key; system keys do not move between deployments. Nothing was imported.");
    }

    private static void CheckArchive(TenantRecord tenant, PackageExport package)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(package.Archive);
        }
        catch (FormatException)
        {
            throw new BackupRefusedException($"Package {package.Version.Name} {package.Version.Version} of tenant '{tenant.Name}' has an archive that is not base64; nothing was imported.");
        }
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (sha != package.Version.Sha256 || package.Version.TenantId != tenant.Id)
            throw new BackupRefusedException($"Package {package.Version.Name} {package.Version.Version} of tenant '{tenant.Name}' does not match its SHA-256 or tenant; nothing was imported.");
    }
}

/// <summary>
/// What moving credential secrets needs: the passphrase sealing of the document, and this deployment's protector (to
/// open secrets on export, to seal them again on import) with its master keys.
/// </summary>
public sealed record SecretTransfer(PassphraseSealing Sealing, AssetSecrets Secrets, MasterKeyProvider MasterKeys);
