using System.Text.Json;
using System.Text.Json.Serialization;
using Baton.Storage.Model;

namespace Baton.Server.Backup;

/// <summary>
/// A deployment's configuration, or some tenants of it, as one JSON document (<c>baton export</c>): tenants with
/// their tiers and quota overrides, API keys (hashes only), queues, calendars, schedules, webhooks and package
/// versions with their archives. Secrets stay as stored: webhook secrets sealed with the tenant's data keys, data keys
/// wrapped by master keys; the document never holds a secret in the clear, and the target needs the source's master
/// key in its ring to read them. Jobs, history, agents and audit are not configuration and stay behind.
/// </summary>
public sealed record ConfigurationDocument(int Format, DateTimeOffset ExportedAt, string SourceBackend, IReadOnlyList<TenantConfiguration> Tenants)
{
    public const int CurrentFormat = 1;

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
    IReadOnlyList<WebhookRecord> Webhooks);

/// <summary>One package version and its archive (base64), checked against its SHA-256 on import.</summary>
public sealed record PackageExport(PackageVersionRecord Version, string Archive);
