using Baton.Core.Jobs;

namespace Baton.Storage.Relational;

/// <summary>
/// Every store of a relational backend, written once over its <see cref="IStoreDatabase"/>: a backend supplies a
/// <see cref="RelationalBackend"/>, opened once the time and retry policy are known to be there.
/// </summary>
public abstract class RelationalBatonStore : IBatonStore
{
    private readonly Func<CancellationToken, Task<IReadOnlyList<int>>> _migrate;
    private readonly Func<ValueTask> _close;

    private protected RelationalBatonStore(Func<RelationalBackend> open, TimeProvider time, RetryPolicy retryPolicy)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(retryPolicy);
        var (database, connections, partitions, capabilities, migrate, close) = open();
        _migrate = migrate;
        _close = close;
        Capabilities = capabilities;
        Tenants = new TenantStore(database);
        ApiKeys = new ApiKeyStore(database, time);
        EnrollmentTokens = new EnrollmentTokenStore(database, time);
        Agents = new AgentStore(database, time);
        Packages = new PackageStore(database);
        Jobs = new JobStore(database, time, retryPolicy);
        Settings = new SettingsStore(database);
        Queues = new QueueStore(database, time);
        Events = new EventStore(database, time);
        Webhooks = new WebhookStore(database, time);
        Schedules = new ScheduleStore(database);
        Calendars = new CalendarStore(database);
        SharedPool = new SharedPoolStore(database, time);
        Retention = new RetentionStore(database, partitions);
        Audit = new AuditStore(database);
        DataKeys = new DataKeyStore(database);
        Assets = new AssetStore(database);
        Checkpoints = new CheckpointStore(database);
        Artifacts = new ArtifactStore(database);
        Autoscale = new AutoscaleStore(database);
        WorkItems = new WorkItemStore(database, time);
        Lineage = new JobLineageStore(database, time);
        WorkItemTriggers = new WorkItemTriggerStore(database, time);
        Statistics = new StatisticsStore(database, connections, time);
    }

    public StoreCapabilities Capabilities { get; }
    public ITenantStore Tenants { get; }
    public IApiKeyStore ApiKeys { get; }
    public IEnrollmentTokenStore EnrollmentTokens { get; }
    public IAgentStore Agents { get; }
    public IPackageStore Packages { get; }
    public IJobStore Jobs { get; }
    public ISettingsStore Settings { get; }
    public IQueueStore Queues { get; }
    public IEventStore Events { get; }
    public IWebhookStore Webhooks { get; }
    public IScheduleStore Schedules { get; }
    public ICalendarStore Calendars { get; }
    public ISharedPoolStore SharedPool { get; }
    public IRetentionStore Retention { get; }
    public IAuditStore Audit { get; }
    public IDataKeyStore DataKeys { get; }
    public IAssetStore Assets { get; }
    public ICheckpointStore Checkpoints { get; }
    public IArtifactStore Artifacts { get; }
    public IAutoscaleStore Autoscale { get; }
    public IStatisticsStore Statistics { get; }
    public IWorkItemStore WorkItems { get; }
    public IJobLineageStore Lineage { get; }
    public IWorkItemTriggerStore WorkItemTriggers { get; }

    /// <summary>Applies the backend's pending migrations, answering the versions it applied.</summary>
    public Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken) => _migrate(cancellationToken);

    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return _close();
    }
}

/// <summary>
/// What a backend gives the shared stores: the database (its transaction scopes and dialect), its connection figures, the
/// retention of partitioned tables where it has them, its migrations and how it is closed.
/// </summary>
internal sealed record RelationalBackend(
    IStoreDatabase Database, IStoreConnections Connections, IPartitionedRetention? Partitions, StoreCapabilities Capabilities,
    Func<CancellationToken, Task<IReadOnlyList<int>>> Migrate, Func<ValueTask> Close);
