using Baton.Core.Jobs;

namespace Baton.Storage.Postgres;

/// <summary>
/// The distributed backend: PostgreSQL shared by any number of server replicas. Claims lock rows
/// with <c>FOR UPDATE SKIP LOCKED</c>, tenant isolation is enforced again by Row-Level Security
/// (the runtime role owns nothing and bypasses nothing). Replicas wake each other's dispatchers
/// over LISTEN/NOTIFY from the server (see Baton.Server's PostgresWakeUpBridge), not from here.
/// </summary>
public sealed class PostgresBatonStore : IBatonStore
{
    private readonly PostgresDatabase _database;
    private readonly PostgresMigrator _migrator;

    public PostgresBatonStore(PostgresStoreOptions options, TimeProvider time, RetryPolicy retryPolicy)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(retryPolicy);
        if (string.IsNullOrWhiteSpace(options.ConnectionString)) throw new ArgumentException("ConnectionString is required.", nameof(options));
        if (options.StatementTimeout <= TimeSpan.Zero) throw new ArgumentException("StatementTimeout must be positive.", nameof(options));

        _database = new PostgresDatabase(options);
        _migrator = new PostgresMigrator(_database.MigrationConnectionString, time);
        Tenants = new Relational.TenantStore(_database);
        ApiKeys = new Relational.ApiKeyStore(_database, time);
        EnrollmentTokens = new Relational.EnrollmentTokenStore(_database, time);
        Agents = new Relational.AgentStore(_database, time);
        Packages = new Relational.PackageStore(_database);
        Jobs = new Relational.JobStore(_database, time, retryPolicy);
        Settings = new Relational.SettingsStore(_database);
        Queues = new Relational.QueueStore(_database, time);
        Events = new Relational.EventStore(_database, time);
        Webhooks = new Relational.WebhookStore(_database, time);
        Schedules = new Relational.ScheduleStore(_database);
        Calendars = new Relational.CalendarStore(_database);
        SharedPool = new Relational.SharedPoolStore(_database, time);
        Retention = new Relational.RetentionStore(_database, new PostgresPartitionMaintenance(_database.MigrationConnectionString));
        Audit = new Relational.AuditStore(_database);
        DataKeys = new Relational.DataKeyStore(_database);
        Assets = new Relational.AssetStore(_database);
        Checkpoints = new Relational.CheckpointStore(_database);
        Artifacts = new Relational.ArtifactStore(_database);
        Autoscale = new Relational.AutoscaleStore(_database);
        WorkItems = new Relational.WorkItemStore(_database, time);
        Lineage = new Relational.JobLineageStore(_database, time);
        WorkItemTriggers = new Relational.WorkItemTriggerStore(_database, time);
        Statistics = new Relational.StatisticsStore(_database, _database, time);
    }

    public StoreCapabilities Capabilities { get; } = new("postgres", SupportsMultipleReplicas: true, PushesCrossReplicaWakeups: true);
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

    /// <summary>Applies pending migrations as the owner (<see cref="PostgresStoreOptions.MigrationConnectionString"/>).</summary>
    public Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken) => _migrator.MigrateAsync(cancellationToken);

    public ValueTask DisposeAsync() => _database.DisposeAsync();
}
