namespace Baton.Server.Autoscaling.Providers;

/// <summary>What changes a target's replica count: local agent processes, a Kubernetes workload, or an operator's command.</summary>
public interface IScalingProvider : IAsyncDisposable
{
    /// <summary>For status and explanations: "local agents (group default)", "Deployment baton/agents".</summary>
    string Description { get; }

    /// <summary>The replicas the target has now (for the local provider: agents running and not draining).</summary>
    Task<int> GetReplicasAsync(CancellationToken cancellationToken);

    /// <summary>Asks for <paramref name="replicas"/>; scaling down drains where the provider can (local agents finish their jobs first).</summary>
    Task SetReplicasAsync(int replicas, CancellationToken cancellationToken);

    /// <summary>The measured time from asking for a replica to it being ready, once known (the predictive lead time).</summary>
    TimeSpan? MeasuredReadyTime { get; }
}

/// <summary>A provider could not do what was asked; the decision is not recorded and is retried.</summary>
public sealed class ScalingProviderException(string message, Exception? inner = null) : Exception(message, inner);
