using Baton.Core.Jobs;

namespace Baton.Storage.Sqlite;

/// <summary>
/// The embedded backend: one SQLite file in WAL mode, written by this process only (single-node
/// mode: the server refuses a second process on the same data, and several replicas need PostgreSQL).
/// </summary>
public sealed class SqliteBatonStore : IBatonStore
{
    private readonly SqliteDatabase _database;
    private readonly SqliteMigrator _migrator;

    public SqliteBatonStore(SqliteStoreOptions options, TimeProvider time, RetryPolicy retryPolicy)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(retryPolicy);
        if (string.IsNullOrWhiteSpace(options.DatabasePath)) throw new ArgumentException("DatabasePath is required.", nameof(options));

        _database = new SqliteDatabase(options.DatabasePath);
        _migrator = new SqliteMigrator(_database, time);
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
        Retention = new Relational.RetentionStore(_database, partitions: null);
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

    public StoreCapabilities Capabilities { get; } = new("sqlite", SupportsMultipleReplicas: false, PushesCrossReplicaWakeups: false);
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

    public Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken) => _migrator.MigrateAsync(cancellationToken);

    public ValueTask DisposeAsync()
    {
        _database.Dispose();
        return ValueTask.CompletedTask;
    }
}
