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
        services.AddHostedService<MetricsActivation>();
        return services;
    }
}

/// <summary>
/// Creates every publisher when the host starts, so each family is registered (and scraped, as 0 or empty) before
/// its first measurement.
/// </summary>
internal sealed class MetricsActivation(FleetGauges fleet) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        GC.KeepAlive(fleet);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
