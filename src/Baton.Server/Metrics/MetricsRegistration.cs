namespace Baton.Server.Metrics;

/// <summary>Composes the metrics services: one registry per server, the fleet cache, the publishers and the reader.</summary>
public static class MetricsRegistration
{
    public static IServiceCollection AddBatonMetrics(this IServiceCollection services)
    {
        services.AddSingleton<MetricRegistry>();
        services.AddSingleton<FleetSnapshotCache>();
        services.AddSingleton<FleetGauges>();
        services.AddSingleton<MetricReader>();
        services.AddSingleton<TenantLabels>();
        services.AddSingleton<JobMetrics>();
        services.AddSingleton<StoreMetrics>();
        services.AddSingleton<HttpMetrics>();
        services.AddSingleton<Machine.ProcessMetrics>();
        services.AddSingleton<Machine.HostMetrics>();
        services.AddHostedService<MetricsActivation>();
        services.AddHostedService<FleetRefresher>();
        return services;
    }
}

/// <summary>
/// Creates every publisher when the host starts, so each family is registered (and scraped, as 0 or empty) before
/// its first measurement.
/// </summary>
internal sealed class MetricsActivation(
    FleetSnapshotCache snapshots, FleetGauges fleet, JobMetrics jobs, StoreMetrics store, HttpMetrics http, Machine.ProcessMetrics process, Machine.HostMetrics host) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        GC.KeepAlive((fleet, jobs, store, http, process, host));
        // A first fleet read, so counters get their tenant labels from the start.
        snapshots.RefreshInBackgroundIfStale();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
