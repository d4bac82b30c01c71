using Baton.Core.Autoscaling;
using Baton.Core.Dispatch.FairShare;
using Baton.Server.Api;
using Baton.Server.Hosting;
using Baton.Storage;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Baton.Server.Autoscaling.Providers;

/// <summary>
/// One provider per target, kept while its policy names the same provider (the local provider owns processes, so
/// it must outlive evaluations), replaced when the policy changes it, disposed when the policy goes or the server stops.
/// </summary>
public sealed class ScalingProviders(
    IOptions<ServerOptions> options,
    IBatonStore store,
    IServer server,
    TimeProvider time,
    ILoggerFactory loggers) : IAsyncDisposable
{
    private readonly Dictionary<string, (ProviderSpec Spec, IScalingProvider Provider)> _providers = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private bool _stopped;

    /// <summary>Test seam: builds a provider for a spec instead of the built-in ones (e.g. a fake Kubernetes API).</summary>
    public Func<ScalingPolicy, IScalingProvider?>? Override { get; set; }

    public async Task<IScalingProvider> ForAsync(ScalingPolicy policy, int? lastKnownReplicas)
    {
        IScalingProvider? stale = null;
        IScalingProvider provider;
        lock (_gate)
        {
            // Once stopping, no provider starts anything again (the role may still be finishing a tick).
            if (_stopped) throw new ScalingProviderException("the server is stopping");
            if (_providers.TryGetValue(policy.Target.Key, out var known) && SameSpec(known.Spec, policy.Provider)) return known.Provider;
            stale = known.Provider;
            provider = Override?.Invoke(policy) ?? Create(policy, lastKnownReplicas);
            _providers[policy.Target.Key] = (policy.Provider, provider);
        }
        if (stale is not null) await stale.DisposeAsync();
        return provider;
    }

    public IScalingProvider? Existing(string target)
    {
        lock (_gate) return _providers.TryGetValue(target, out var known) ? known.Provider : null;
    }

    /// <summary>Drops the provider of a target whose policy was deleted.</summary>
    public async Task ForgetAsync(string target)
    {
        IScalingProvider? provider = null;
        lock (_gate)
        {
            if (_providers.Remove(target, out var known)) provider = known.Provider;
        }
        if (provider is not null) await provider.DisposeAsync();
    }

    private IScalingProvider Create(ScalingPolicy policy, int? lastKnownReplicas)
    {
        var logger = loggers.CreateLogger("Baton.Server.Autoscaling.Providers");
        switch (policy.Provider.Type)
        {
            case ProviderSpec.Kubernetes:
                return KubernetesScaleProvider.FromSettings(policy.Provider);
            case ProviderSpec.Command:
                return CommandProvider.FromSettings(policy.Target.Key, policy.Provider, lastKnownReplicas ?? policy.Limits.MinReplicas, logger);
            default:
                var settings = options.Value;
                var local = settings.Autoscaler.LocalAgents;
                var command = local.Program is { Length: > 0 } program ? (program, (IReadOnlyList<string>)local.Arguments) : LocalAgentLaunch.OfThisProcess()
                    ?? throw new ScalingProviderException("the local provider needs the baton CLI's command line (Autoscaler:LocalAgents:Program) when the server is not run by it");
                var url = local.ServerUrl ?? server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                    ?? throw new ScalingProviderException("the local provider needs the server's URL (Autoscaler:LocalAgents:ServerUrl)");
                var data = local.DataDirectory ?? Path.Combine(settings.DataDirectory, "autoscaled-agents");
                var slots = int.TryParse(policy.Provider.Setting("slots"), out var n) ? n : local.Slots;
                var launch = new LocalAgentLaunch(command.Item1, command.Item2, url, Path.GetFullPath(data), async ct =>
                    // Autoscaled agents join the shared pool: they serve every tenant that takes part in it.
                    (await IdentityEndpoints.CreateEnrollmentTokenAsync(store, SharedPool.TenantId, "autoscaled local agents", TimeSpan.FromHours(1), time, ct)).Secret);
                return new LocalAgentProvider(policy.Target.Group ?? "default", slots, launch, local.StopTimeout, logger);
        }
    }

    private static bool SameSpec(ProviderSpec a, ProviderSpec b) =>
        a.Type == b.Type && a.Settings.Count == b.Settings.Count && a.Settings.All(s => b.Settings.TryGetValue(s.Key, out var v) && v == s.Value);

    public async ValueTask DisposeAsync()
    {
        List<IScalingProvider> all;
        lock (_gate)
        {
            _stopped = true;
            all = [.. _providers.Values.Select(p => p.Provider)];
            _providers.Clear();
        }
        foreach (var provider in all) await provider.DisposeAsync();
    }
}
