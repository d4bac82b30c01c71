namespace Baton.Storage;

/// <summary>
/// The storage contract. Every backend (SQLite and PostgreSQL) implements all of it and
/// passes the same contract test suite. Tenant-owned data is always addressed with the caller's
/// tenant id: an id from another tenant is simply not found.
/// </summary>
public interface IBatonStore : IAsyncDisposable
{
    StoreCapabilities Capabilities { get; }
    ITenantStore Tenants { get; }
    IApiKeyStore ApiKeys { get; }
    IEnrollmentTokenStore EnrollmentTokens { get; }
    IAgentStore Agents { get; }
    IPackageStore Packages { get; }
    IJobStore Jobs { get; }
    ISettingsStore Settings { get; }
    IQueueStore Queues { get; }
    IEventStore Events { get; }
    IWebhookStore Webhooks { get; }
    IScheduleStore Schedules { get; }
    ICalendarStore Calendars { get; }
    ISharedPoolStore SharedPool { get; }
    IRetentionStore Retention { get; }
    IAuditStore Audit { get; }
    IDataKeyStore DataKeys { get; }
    IAssetStore Assets { get; }
    ICheckpointStore Checkpoints { get; }
    IArtifactStore Artifacts { get; }
    IAutoscaleStore Autoscale { get; }
    IStatisticsStore Statistics { get; }
    IWorkItemStore WorkItems { get; }
    IJobLineageStore Lineage { get; }
    IWorkItemTriggerStore WorkItemTriggers { get; }

    /// <summary>Applies pending numbered migrations under the backend's lock; returns the versions applied.</summary>
    Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken);
}

/// <summary>Optional powers a backend reports instead of forcing them on the others.</summary>
public sealed record StoreCapabilities(string Backend, bool SupportsMultipleReplicas, bool PushesCrossReplicaWakeups);
