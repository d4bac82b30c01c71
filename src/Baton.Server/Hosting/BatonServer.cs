using System.IO.Compression;
using Baton.Server.AgentProtocol;
using Baton.Server.Api;
using Baton.Server.Dispatch;
using Baton.Server.Dispatch.SharedAgents;
using Baton.Server.Jobs;
using Baton.Server.Metrics;
using Baton.Server.Packages;
using Baton.Server.Roles;
using Baton.Server.Scheduling;
using Baton.Server.Security;
using Baton.Server.Tenancy;
using Baton.Storage;
using Baton.Storage.Blobs;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.Options;

namespace Baton.Server.Hosting;

/// <summary>
/// The Baton server: one ASP.NET Core host whose roles (api, dispatcher, janitor, notifier) are chosen by
/// configuration. <see cref="StartAsync"/> applies migrations and creates the first tenant before
/// it accepts requests.
/// </summary>
public sealed class BatonServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private SingleReplicaLock? _lock;

    private readonly FileDescriptorLimits? _raisedFileLimit;

    private readonly string _urls;

    private BatonServer(WebApplication app, FileDescriptorLimits? raisedFileLimit, string urls)
    {
        _app = app;
        _raisedFileLimit = raisedFileLimit;
        _urls = urls;
    }

    public IServiceProvider Services => _app.Services;

    public ServerOptions Options => _app.Services.GetRequiredService<IOptions<ServerOptions>>().Value;

    public BootstrapResult? Bootstrap { get; private set; }

    /// <summary>The master key file this start generated (a zero-configuration first start), to tell the operator once; else null.</summary>
    public string? GeneratedMasterKeyFile
    {
        get
        {
            var keys = _app.Services.GetRequiredService<Secrets.MasterKeyProvider>();
            return keys.GeneratedKeyFile ? keys.FilePath : null;
        }
    }

    /// <summary>The addresses the server listens on, known after <see cref="StartAsync"/>.</summary>
    public IReadOnlyList<string> Urls => [.. _app.Urls];

    /// <param name="args">Configuration arguments (<c>--Baton:Server:AgentTtl=00:00:05</c>).</param>
    /// <param name="urls">Listen addresses, e.g. <c>http://127.0.0.1:8080</c>.</param>
    /// <param name="configure">Overrides applied after configuration binding (CLI flags).</param>
    public static BatonServer Create(string[] args, string urls, Action<ServerOptions>? configure = null, TimeProvider? time = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls(urls);
        builder.Logging.ClearProviders();
        // Baton keeps no data-protected payloads (its dashboard session is a JWT signed with the shared key); its key-ring warning is noise.
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });

        builder.Services.AddOptions<ServerOptions>()
            .BindConfiguration(ServerOptions.Section)
            .PostConfigure(o =>
            {
                o.BootstrapApiKey ??= builder.Configuration["BATON_BOOTSTRAP_API_KEY"];
                o.Secrets.MasterKeys ??= builder.Configuration[Secrets.MasterKeyProvider.EnvironmentVariable];
                configure?.Invoke(o);
            })
            .ValidateDataAnnotations()
            .Validate(o => o.Storage is "sqlite" or "postgres", "Storage must be 'sqlite' or 'postgres'.")
            .Validate(o => o.Storage != "postgres" || !string.IsNullOrWhiteSpace(o.Postgres), "Storage 'postgres' needs a connection string (--postgres or Baton:Server:Postgres).")
            .Validate(o => o.AgentTtl >= TimeSpan.FromSeconds(2), "AgentTtl must be at least 2 seconds.")
            .Validate(o => o.JanitorInterval > TimeSpan.Zero && o.DispatchPollInterval > TimeSpan.Zero && o.SchedulerInterval > TimeSpan.Zero && o.HeldJobsRecheckInterval > TimeSpan.Zero, "Intervals must be positive.")
            .Validate(o => o.SchedulerClaimTimeout > TimeSpan.Zero && o.SchedulerMisfireTolerance >= TimeSpan.Zero, "Scheduler timeouts must be positive.")
            .Validate(o => o.Webhooks.PollInterval > TimeSpan.Zero && o.Webhooks.Lease > o.Webhooks.Timeout && o.Webhooks.MaxAttempts >= 1 && o.Webhooks.BatchSize >= 1,
                "Webhooks: PollInterval must be positive, Lease longer than Timeout, MaxAttempts and BatchSize at least 1.")
            .Validate(o => o.Webhooks.AllowedNetworks.All(n => System.Net.IPNetwork.TryParse(n, out _)), "Webhooks:AllowedNetworks must be CIDR ranges such as 10.20.0.0/16.")
            .Validate(o => o.Webhooks.RetryMaxDelay >= o.Webhooks.RetryBaseDelay && o.Webhooks.RetryBaseDelay >= TimeSpan.Zero, "Webhooks: RetryMaxDelay must be at least RetryBaseDelay.")
            .Validate(o => RetentionRules.Check(o) is null, RetentionRules.Message)
            .Validate(o => o.WorkItems.Check() is null, "WorkItems: Lease at least 1 second, MaxPayloadBytes at least 1024, MaxChildDepth at least 1, trigger delays not negative.")
            .Validate(o => o.RateLimits.Check() is null, "RateLimits: limits must be 0 (off) or more, windows between 1 second and 1 day.")
            .ValidateOnStart();

        var serverOptions = new ServerOptions();
        builder.Configuration.GetSection(ServerOptions.Section).Bind(serverOptions);
        configure?.Invoke(serverOptions);
        // Every connection costs a descriptor: take the ceiling the administrator allowed, and accept no more
        // connections than it leaves room for (a refused connection is retried by its agent; running out of
        // descriptors would fail the database, the blobs and the runtime itself).
        var raisedFileLimit = OpenFileLimit.RaiseSoftToHard();
        var maxConnections = serverOptions.MaxConnections ?? ConnectionBudget.For(OpenFileLimit.Read());
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = serverOptions.MaxPackageBytes + 1024 * 1024;
            k.Limits.MaxConcurrentConnections = maxConnections;
        });

        AddServices(builder.Services, time ?? TimeProvider.System);
        if (serverOptions.HasRole("janitor")) builder.Services.AddHostedService<JanitorService>();
        if (serverOptions.HasRole("notifier")) builder.Services.AddHostedService<NotifierService>();
        if (serverOptions.HasRole("scheduler")) builder.Services.AddHostedService<SchedulerService>();
        if (serverOptions.HasRole("scheduler")) builder.Services.AddHostedService<WorkItems.WorkItemTriggerService>();
        if (serverOptions.HasRole("autoscaler")) builder.Services.AddHostedService<Autoscaling.AutoscalerService>();
        if (serverOptions.Storage == "postgres") builder.Services.AddHostedService<PostgresWakeUpBridge>();
        if (serverOptions.HasRole("janitor")) builder.Services.AddHostedService<RetentionService>();

        var app = builder.Build();
        ConfigurePipeline(app);
        return new BatonServer(app, raisedFileLimit, urls);
    }

    private static void AddServices(IServiceCollection services, TimeProvider time)
    {
        services.AddSingleton(time);
        services.AddSingleton(sp => new BackendStore(StoreFactory.Create(sp.GetRequiredService<IOptions<ServerOptions>>().Value, time)));
        // With metrics on, every store call is timed and job transitions are counted where they commit.
        services.AddSingleton<IBatonStore>(sp => sp.GetRequiredService<IOptions<ServerOptions>>().Value.Metrics.Enabled
            ? new InstrumentedStore(sp.GetRequiredService<BackendStore>().Store, sp.GetRequiredService<StoreMetrics>(), sp.GetRequiredService<JobMetrics>(), time)
            : sp.GetRequiredService<BackendStore>().Store);
        services.AddSingleton<IBlobStore>(sp => StoreFactory.CreateBlobs(sp.GetRequiredService<IOptions<ServerOptions>>().Value));

        services.AddSingleton<CredentialCache>();
        services.AddSingleton<JwtIssuer>();
        services.AddSingleton<TenantDirectory>();
        services.AddSingleton<TenantStorage>();
        services.AddSingleton<ApiUsageMeter>();
        services.AddSingleton<WakeUpSignals>();
        services.AddSingleton<JobDispatcher>();
        services.AddSingleton<ClaimBatcher>();
        services.AddSingleton<HeldJobReads>();
        services.AddSingleton<HeldJobLookup>();
        services.AddSingleton<Batching.JobWriteCommitter>();
        services.AddSingleton<AttemptWriter>();
        services.AddSingleton<SaturationMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<SaturationMonitor>());
        services.AddSingleton(sp => new Core.Throttling.IntakeBudget(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<SharedPoolDirectory>();
        services.AddSingleton<SharedPoolDispatcher>();
        services.AddSingleton<SharedPoolUsageRecorder>();
        services.AddSingleton<PackagePrefetch>();
        services.AddSingleton<AgentPollHandler>();
        services.AddSingleton<CompletionClaimer>();
        services.AddSingleton<PackageVersionCache>();
        services.AddSingleton<PackageUploadService>();
        services.AddSingleton<Artifacts.ArtifactBlobCollector>();
        services.AddSingleton<PackageAnalysis>();
        services.AddSingleton<JobSubmissionService>();
        services.AddSingleton<JobSubmissionWriter>();
        services.AddSingleton<PendingJobCounts>();
        services.AddSingleton<SubmissionLookups>();
        services.AddSingleton<JobWhyService>();
        services.AddSingleton<ScheduleTimelines>();
        services.AddSingleton<ScheduleAutoPause>();
        services.AddSingleton<ScheduleFirer>();
        services.AddSingleton<UpcomingFires>();
        services.AddSingleton<ScheduleDefinitions>();
        services.AddSingleton<HeartbeatBatcher>();
        services.AddSingleton<Notifications.TenantEventPublisher>();
        services.AddSingleton<Notifications.WebhookTargetGuard>();
        services.AddSingleton<Notifications.WebhookSender>();
        services.AddSingleton<Secrets.MasterKeyProvider>();
        services.AddSingleton<Core.Secrets.ISecretProtector, Secrets.EnvelopeSecretProtector>();
        services.AddSingleton<Secrets.MasterKeyRotation>();
        services.AddSingleton<Secrets.WebhookSecrets>();
        services.AddSingleton<Secrets.AssetSecrets>();
        services.AddSingleton<Audit.AuditRecorder>();
        services.AddSingleton<Dashboard.DashboardSessions>();
        services.AddSingleton<Dashboard.OverviewSnapshots>();
        services.AddSingleton<Security.RateLimiting.RequestSourceTracker>();
        services.AddSingleton<Core.Throttling.IRequestSourceCounters>(sp => sp.GetRequiredService<Security.RateLimiting.RequestSourceTracker>());
        services.AddSingleton<Security.RateLimiting.RequestRateLimits>();
        Autoscaling.AutoscalingServices.AddAutoscaling(services);
        services.AddHostedService(sp => sp.GetRequiredService<HeartbeatBatcher>());
        services.AddHostedService<CounterFlushService>();
        services.AddBatonMetrics();
        WorkItems.WorkItemServices.AddWorkItems(services);

        services.AddAuthentication(o => o.DefaultScheme = "Baton")
            .AddPolicyScheme("Baton", "Baton", o => o.ForwardDefaultSelector = ctx =>
                ctx.Request.Path.StartsWithSegments("/api/agent") ? AuthSchemes.Agent : AuthSchemes.Api)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiAuthenticationHandler>(AuthSchemes.Api, null)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, AgentAuthenticationHandler>(AuthSchemes.Agent, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(AuthPolicies.Viewer, p => p.AddAuthenticationSchemes(AuthSchemes.Api).RequireAssertion(c => Caller.FromPrincipal(c.User) is not null))
            .AddPolicy(AuthPolicies.Operator, p => p.AddAuthenticationSchemes(AuthSchemes.Api).RequireAssertion(c => Caller.FromPrincipal(c.User)?.Role >= Core.Auth.ApiRole.Operator))
            .AddPolicy(AuthPolicies.Admin, p => p.AddAuthenticationSchemes(AuthSchemes.Api).RequireAssertion(c => Caller.FromPrincipal(c.User)?.Role >= Core.Auth.ApiRole.Admin))
            .AddPolicy(AuthPolicies.SystemAdmin, p => p.AddAuthenticationSchemes(AuthSchemes.Api).RequireAssertion(c => Caller.FromPrincipal(c.User)?.IsSystemAdmin == true))
            .AddPolicy(AuthPolicies.Agent, p => p.AddAuthenticationSchemes(AuthSchemes.Agent).RequireClaim(AgentCaller.AgentClaim));

        services.AddProblemDetails(o => o.CustomizeProblemDetails = ProblemDefaults.Customize);
        services.ConfigureHttpJsonOptions(o => StrictRequestBodies.Apply(o.SerializerOptions));
        services.AddExceptionHandler<ProblemExceptionHandler>();
        // Malformed bodies and parameters throw, so ProblemExceptionHandler can say what was wrong.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddResponseCompression(o =>
        {
            o.EnableForHttps = true;
            o.Providers.Add<BrotliCompressionProvider>();
            o.Providers.Add<GzipCompressionProvider>();
        });
        services.Configure<BrotliCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        services.Configure<GzipCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        services.AddRequestDecompression();
        services.AddOpenApi(OpenApiConventions.Configure);
    }

    private static void ConfigurePipeline(WebApplication app)
    {
        // Outermost, so it sees refusals and the final status of every request (errors the exception handler turned into 500s too).
        if (app.Services.GetRequiredService<IOptions<ServerOptions>>().Value.Metrics.Enabled) app.UseMiddleware<HttpMetricsMiddleware>();
        // Then at once: refusing a write when saturated must cost next to nothing (no authentication, no compression).
        app.UseMiddleware<SaturationThrottleMiddleware>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseResponseCompression();
        Dashboard.DashboardAssets.UseDashboardAssets(app);
        app.UseMiddleware<Security.RateLimiting.AuthFailureLimitMiddleware>();
        // Authentication reads only headers; it comes before the body limit so the limit can depend on who is calling,
        // and that limit is in place before decompression can expand a body.
        app.UseAuthentication();
        app.UseMiddleware<Dashboard.CsrfMiddleware>();
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        app.UseRequestDecompression();
        app.UseMiddleware<Security.RateLimiting.WriteRateLimitMiddleware>();
        app.UseMiddleware<ApiQuotaMiddleware>();
        app.UseMiddleware<Autoscaling.RequestActivityMiddleware>();
        app.UseAuthorization();

        app.MapGet("/healthz", () => Results.Ok(new Core.Api.HealthDto("ok"))).AllowAnonymous().Produces<Core.Api.HealthDto>();
        app.MapGet("/readyz", async (IBatonStore store, CancellationToken ct) =>
        {
            try
            {
                await store.Tenants.GetByNameAsync(Bootstrapper.DefaultTenantName, ct);
                return Results.Ok(new Core.Api.ReadinessDto("ready", Storage: store.Capabilities.Backend));
            }
            catch (Exception ex)
            {
                return Results.Json(new Core.Api.ReadinessDto("unavailable", Reason: ex.Message), statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        }).AllowAnonymous().Produces<Core.Api.ReadinessDto>().Produces<Core.Api.ReadinessDto>(StatusCodes.Status503ServiceUnavailable);
        // One document, at a fixed path: a route parameter here would answer unknown names in plain text, echoing them.
        app.MapOpenApi("/openapi/v1.json");
        Dashboard.DashboardAssets.MapDashboardPages(app);

        var api = app.MapGroup("/api/v1");
        api.MapIdentityEndpoints();
        Dashboard.SessionEndpoints.MapSessionEndpoints(api);
        Dashboard.LiveEndpoints.MapLiveEndpoints(api);
        Dashboard.CronPreviewEndpoint.MapCronPreview(api);
        api.MapTenantEndpoints();
        api.MapPackageEndpoints();
        api.MapJobEndpoints();
        api.MapQueueEndpoints();
        api.MapScheduleEndpoints();
        api.MapCalendarEndpoints();
        api.MapAgentEndpoints();
        api.MapWebhookEndpoints();
        api.MapAssetEndpoints();
        api.MapEventEndpoints();
        api.MapSharedPoolEndpoints();
        api.MapAuditEndpoints();
        api.MapSystemSecretsEndpoints();
        api.MapAutoscaleEndpoints();
        WorkItems.WorkItemEndpoints.MapWorkItemEndpoints(api);
        app.MapAgentProtocol();
        AgentProtocol.JobChannelEndpoints.MapJobChannel(app);
        app.MapMetricsEndpoints();
    }

    /// <summary>
    /// Takes the single-replica lock, checks the ports are free, migrates, bootstraps the default tenant, starts
    /// listening, and only then generates an admin key when one is needed (so it is never made by a start that fails).
    /// </summary>
    public async Task<BootstrapResult> StartAsync(CancellationToken cancellationToken = default)
    {
        var options = Options;
        if (_raisedFileLimit is { } raised)
        {
            _app.Logger.LogInformation("Raised the open-file limit from {Soft} to the hard limit {Hard}.", raised.Soft, raised.Hard);
        }
        if (options.Storage == "sqlite") _lock = SingleReplicaLock.Acquire(options.DataDirectory);
        ListenPorts.EnsureFree(_urls);
        var store = _app.Services.GetRequiredService<IBatonStore>();
        await store.MigrateAsync(cancellationToken);
        Bootstrap = await Bootstrapper.EnsureAsync(store, options, _app.Services.GetRequiredService<TimeProvider>(), cancellationToken);
        await Secrets.SecretsStartup.RunAsync(_app.Services, cancellationToken);
        try
        {
            await _app.StartAsync(cancellationToken);
        }
        catch (Exception e) when (ListenPorts.IsAddressInUse(e))
        {
            throw new PortInUseException(_urls, e);
        }
        if (Bootstrap.NeedsGeneratedKey)
        {
            var key = await Bootstrapper.GenerateAdminKeyAsync(store, Bootstrap.DefaultTenantId, "bootstrap admin", _app.Services.GetRequiredService<TimeProvider>(), cancellationToken);
            Bootstrap = Bootstrap with { GeneratedAdminKey = key, NeedsGeneratedKey = false };
        }
        return Bootstrap;
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _lock?.Dispose();
    }
}
