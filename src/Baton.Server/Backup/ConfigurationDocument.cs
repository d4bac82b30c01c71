using System.Text.Json;
using System.Text.Json.Serialization;
using Baton.Core.Secrets;
using Baton.Storage.Model;

namespace Baton.Server.Backup;

/// <summary>
/// A deployment's configuration, or some tenants of it, as one JSON document (<c>baton export</c>): tenants with
/// their tiers and quota overrides, API keys (hashes only), queues, calendars, schedules, webhooks, assets, work-item
/// triggers and package versions with their archives. Webhook secrets stay as stored: sealed with the tenant's data keys, data keys
/// wrapped by master keys; the target needs the source's master key in its ring to read them. Credential secrets of
/// assets are left out unless the export was made with a passphrase (<see cref="SecretSealing"/>): then they are
/// sealed under it, so they move to a deployment with other master keys. The document never holds a secret in the
/// clear. Jobs, history, agents and audit are not configuration and stay behind.
/// </summary>
public sealed record ConfigurationDocument(
    int Format,
    DateTimeOffset ExportedAt,
    string SourceBackend,
    IReadOnlyList<TenantConfiguration> Tenants,
    PassphraseParameters? SecretSealing = null)
{
    /// <summary>2 added assets, 3 work-item triggers; documents of formats 1 and 2 (without them) are still read.</summary>
    public const int CurrentFormat = 3;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };
}

public sealed record TenantConfiguration(
    TenantRecord Tenant,
    IReadOnlyList<DataKeyRecord> DataKeys,
    IReadOnlyList<ApiKeyRecord> ApiKeys,
    IReadOnlyList<QueueRecord> Queues,
    IReadOnlyList<CalendarRecord> Calendars,
    IReadOnlyList<PackageExport> Packages,
    IReadOnlyList<ScheduleRecord> Schedules,
    IReadOnlyList<WebhookRecord> Webhooks,
    IReadOnlyList<AssetExport>? Assets = null,
    IReadOnlyList<WorkItemTriggerRecord>? Triggers = null);

/// <summary>One package version and its archive (base64), checked against its SHA-256 on import.</summary>
public sealed record PackageExport(PackageVersionRecord Version, string Archive);

/// <summary>An asset with its default value and its overrides by agent group (when it was made or changed is not configuration).</summary>
public sealed record AssetExport(
    string Name,
    string Type,
    string? Queue,
    string? AgentGroup,
    string? Description,
    ExportedAssetValue Value,
    IReadOnlyDictionary<string, ExportedAssetValue> Overrides);

/// <summary>
/// One value of an asset. For a credential, <see cref="HasSecret"/> says whether the source had a secret and
/// <see cref="Secret"/> carries it sealed under the export's passphrase (<c>bpass1:…</c>), or null when the export
/// left secrets out.
/// </summary>
public sealed record ExportedAssetValue(string? Value, string? Username, bool HasSecret, string? Secret);
