using Baton.Server.Autoscaling.Providers;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Baton.Server.Autoscaling;

public static class AutoscalingServices
{
    /// <summary>What the autoscaler role and its endpoints need (named metrics come from the metrics registry, <c>AddBatonMetrics</c>); a replacement <see cref="IRequestActivitySource"/> or <see cref="IMetricReader"/> registered before wins.</summary>
    public static IServiceCollection AddAutoscaling(this IServiceCollection services)
    {
        services.AddSingleton<RequestActivityCounter>();
        services.TryAddSingleton<IRequestActivitySource>(sp => sp.GetRequiredService<RequestActivityCounter>());
        services.TryAddSingleton<IMetricReader, RegistryMetricReader>();
        services.AddSingleton<FleetReadings>();
        services.AddSingleton<DemandTracker>();
        services.AddSingleton<AutoscaleEvents>();
        services.AddSingleton<AutoscalePolicies>();
        services.AddSingleton<ScalingProviders>();
        return services;
    }
}
