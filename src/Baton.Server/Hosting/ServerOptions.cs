using System.ComponentModel.DataAnnotations;

namespace Baton.Server.Hosting;

/// <summary>Server settings, bound from the <c>Baton:Server</c> section (env: <c>BATON__SERVER__…</c>) and CLI flags.</summary>
public sealed class ServerOptions
{
    public const string Section = "Baton:Server";

    /// <summary>Metadata backend: <c>sqlite</c> (embedded, single replica) or <c>postgres</c> (any number of replicas).</summary>
    [Required]
    public string Storage { get; set; } = "sqlite";

    /// <summary>PostgreSQL runtime connection string (a role that owns nothing and does not bypass RLS).</summary>
    public string? Postgres { get; set; }

    /// <summary>PostgreSQL connection string of the tables' owner, used for migrations; defaults to <see cref="Postgres"/>.</summary>
    public string? PostgresMigration { get; set; }

    /// <summary>Optional read-replica connection string for list and search queries.</summary>
    public string? PostgresRead { get; set; }

    /// <summary>
    /// A direct (not pooled through PgBouncer) connection string for LISTEN, the cross-replica wake-ups;
    /// defaults to <see cref="Postgres"/>.
    /// </summary>
    public string? PostgresListen { get; set; }

    public TimeSpan StatementTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Blob store: a folder path (default <c>DATA/blobs</c>) or <c>s3://BUCKET[/PREFIX][?endpoint=URL]</c>.</summary>
    public string? Blobs { get; set; }

    /// <summary>Folder for the SQLite database, blobs and the single-replica lock.</summary>
    [Required]
    public string DataDirectory { get; set; } = ".baton";

    /// <summary>Comma-separated roles this process runs: api, janitor, notifier, scheduler, autoscaler (or <c>all</c>).</summary>
    public string Roles { get; set; } = "all";

    /// <summary>An agent silent for this long is offline and its leases expire.</summary>
    public TimeSpan AgentTtl { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>The longest an agent poll is held open.</summary>
    public TimeSpan MaxPollWait { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How often lease expiry and agent liveness are checked.</summary>
    public TimeSpan JanitorInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a waiting poll re-checks the database when no wake-up arrived (the correctness path).</summary>
    public TimeSpan DispatchPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A poll reads the jobs its agent holds (lost assignments, cancel and abandon directives) when this replica
    /// assigned it something it has not confirmed, when news for it was signalled (by any replica), and at least
    /// this often, in case a signal was lost.
    /// </summary>
    public TimeSpan HeldJobsRecheckInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the scheduler looks for due schedules (it also wakes when one is created or resumed).</summary>
    public TimeSpan SchedulerInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A fire at most this late is on time; later ones are misfires, handled by the schedule's misfire policy.</summary>
    public TimeSpan SchedulerMisfireTolerance { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a scheduler holds a due schedule it claimed before another replica may take it over.</summary>
    public TimeSpan SchedulerClaimTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Fair share between tenants on shared agents counts the agent-seconds each used over this sliding window.</summary>
    public TimeSpan FairShareWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// What a shared-pool claim charges a tenant for each job it hands out, until the job's real run time
    /// counts: it spreads the slots of one poll across tenants.
    /// </summary>
    public TimeSpan FairShareChargePerJob { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many of each tenant's ready jobs a shared-pool claim looks at (the rest wait behind them anyway).</summary>
    public int SharedPoolHeadSize { get; set; } = 32;

    /// <summary>Package versions published within this window are offered to agents for prefetch.</summary>
    public TimeSpan PrefetchWindow { get; set; } = TimeSpan.FromMinutes(10);
    public TimeSpan HeartbeatFlushInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a dashboard sign-in lasts before the operator signs in again.</summary>
    public TimeSpan DashboardSessionLifetime { get; set; } = TimeSpan.FromHours(8);

    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The admin API key of the first start; else one is generated and printed once.</summary>
    public string? BootstrapApiKey { get; set; }

    /// <summary>Tier of the <c>default</c> tenant created on first start.</summary>
    public string DefaultTenantTier { get; set; } = "enterprise";

    public long MaxPackageBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>The largest request body (after decompression) a route takes unless it says otherwise.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>The largest request body (after decompression) a caller that is not authenticated may send, on any route.</summary>
    public long MaxAnonymousRequestBodyBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// Connections accepted at once (agents' long-polls and API callers); more wait in the listen backlog or are
    /// refused. Default: what the open-file limit leaves after a reserve for the database, blobs and logs
    /// (<see cref="ConnectionBudget"/>).
    /// </summary>
    public long? MaxConnections { get; set; }

    public int MaxPackageEntries { get; set; } = 10_000;

    public long MaxPackageUncompressedBytes { get; set; } = 1024L * 1024 * 1024;

    public double MaxPackageCompressionRatio { get; set; } = 200;

    /// <summary>The longest one package upload's analysis may run (every entry is decompressed to check its CRC).</summary>
    public TimeSpan PackageAnalysisTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Package analyses run at once; further uploads wait <see cref="PackageAnalysisSlotWait"/>, then are answered 503.</summary>
    public int MaxConcurrentPackageAnalyses { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>How long an upload waits for a free analysis slot before it is answered 503 with Retry-After.</summary>
    public TimeSpan PackageAnalysisSlotWait { get; set; } = TimeSpan.FromSeconds(10);

    public int MaxResultBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Job events, log lines and tenant events older than this are removed, on every backend (PostgreSQL drops whole
    /// monthly partitions, so rows may stay up to a month longer).
    /// </summary>
    public TimeSpan HistoryRetention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Webhook deliveries (delivered or given up) older than this are removed; pending ones stay until settled.</summary>
    public TimeSpan DeliveryRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Audit log entries older than this are removed (the only way an entry ever leaves the log).</summary>
    public TimeSpan AuditRetention { get; set; } = TimeSpan.FromDays(400);

    /// <summary>How often retention and partition upkeep run.</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>
    /// Dynamic throttling of REST writes: the number in flight at once adapts between these bounds
    /// to the latency the server sustains; a write past the limit is refused at once with 503 and
    /// Retry-After. Agent-protocol calls are never throttled (they finish work and free capacity).
    /// </summary>
    public int WriteConcurrencyMin { get; set; } = 8;

    /// <inheritdoc cref="WriteConcurrencyMin"/>
    public int WriteConcurrencyMax { get; set; } = 512;

    /// <summary>Per-key and per-address limits on failed authentications and on REST writes (<c>Baton:Server:RateLimits:…</c>).</summary>
    public Security.RateLimiting.RateLimitOptions RateLimits { get; set; } = new();

    /// <summary>Master keys of secrets at rest (<c>Baton:Server:Secrets:…</c>); by default a generated <c>DATA/master.key</c>.</summary>
    public Secrets.SecretsOptions Secrets { get; set; } = new();

    /// <summary>Webhook delivery and the SSRF guard (<c>Baton:Server:Webhooks:…</c>).</summary>
    public Notifications.WebhookOptions Webhooks { get; set; } = new();

    /// <summary>Work-item queues and child jobs (<c>Baton:Server:WorkItems:…</c>).</summary>
    public WorkItems.WorkItemOptions WorkItems { get; set; } = new();

    /// <summary>The autoscaler role (<c>Baton:Server:Autoscaler:…</c>).</summary>
    public Autoscaling.AutoscalerOptions Autoscaler { get; set; } = new();

    /// <summary>Metrics: <c>/metrics</c>, instrumentation, label limits (<c>Baton:Server:Metrics:…</c>).</summary>
    public Metrics.MetricsOptions Metrics { get; set; } = new();

    public bool HasRole(string role) =>
        Roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Any(r => r.Equals("all", StringComparison.OrdinalIgnoreCase) || r.Equals(role, StringComparison.OrdinalIgnoreCase));
}
