using System.Globalization;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Baton.Server.Autoscaling.Providers;

/// <summary>
/// Sets the replica count of a Deployment or StatefulSet through its <c>/scale</c> subresource (KubernetesClient):
/// GET to read <c>spec.replicas</c>, a merge PATCH <c>{"spec":{"replicas":N}}</c> to set it. Configuration comes from
/// the pod's service account in a cluster, else from a kubeconfig (the <c>kubeconfig</c> and <c>context</c>
/// settings, or the default file). Scaling down is Kubernetes' own: it sends SIGTERM to the pods it removes, which
/// drains agents started with <c>--drain-on-sigterm</c> (give them a long <c>terminationGracePeriodSeconds</c>).
/// </summary>
public sealed class KubernetesScaleProvider : IScalingProvider
{
    private readonly IKubernetes _client;
    private readonly string _kind;
    private readonly string _name;
    private readonly string _namespace;

    public KubernetesScaleProvider(IKubernetes client, string kind, string name, string @namespace)
    {
        _client = client;
        _kind = ProviderKind(kind);
        _name = name;
        _namespace = @namespace;
    }

    /// <summary>A provider from a policy's settings: <c>name</c>, <c>kind</c> (Deployment), <c>namespace</c> (default), <c>kubeconfig</c>, <c>context</c>.</summary>
    public static KubernetesScaleProvider FromSettings(Core.Autoscaling.ProviderSpec spec)
    {
        KubernetesClientConfiguration config;
        try
        {
            config = spec.Setting("kubeconfig") is null && KubernetesClientConfiguration.IsInCluster()
                ? KubernetesClientConfiguration.InClusterConfig()
                : KubernetesClientConfiguration.BuildConfigFromConfigFile(spec.Setting("kubeconfig"), spec.Setting("context"));
        }
        catch (Exception ex) when (ex is k8s.Exceptions.KubeConfigException or IOException)
        {
            throw new ScalingProviderException($"no Kubernetes configuration: {ex.Message}", ex);
        }
        return new KubernetesScaleProvider(new Kubernetes(config), spec.Setting("kind") ?? "Deployment", spec.Setting("name")!, spec.Setting("namespace") ?? "default");
    }

    public string Description => $"{_kind} {_namespace}/{_name}";

    public TimeSpan? MeasuredReadyTime => null;

    public async Task<int> GetReplicasAsync(CancellationToken cancellationToken)
    {
        var scale = await CallAsync(() => _kind == "StatefulSet"
            ? _client.AppsV1.ReadNamespacedStatefulSetScaleAsync(_name, _namespace, cancellationToken: cancellationToken)
            : _client.AppsV1.ReadNamespacedDeploymentScaleAsync(_name, _namespace, cancellationToken: cancellationToken));
        return scale.Spec?.Replicas ?? 0;
    }

    public Task SetReplicasAsync(int replicas, CancellationToken cancellationToken)
    {
        var body = "{\"spec\":{\"replicas\":" + replicas.ToString(CultureInfo.InvariantCulture) + "}}";
        var patch = new V1Patch(body, V1Patch.PatchType.MergePatch);
        return CallAsync(() => _kind == "StatefulSet"
            ? _client.AppsV1.PatchNamespacedStatefulSetScaleAsync(patch, _name, _namespace, cancellationToken: cancellationToken)
            : _client.AppsV1.PatchNamespacedDeploymentScaleAsync(patch, _name, _namespace, cancellationToken: cancellationToken));
    }

    private async Task<V1Scale> CallAsync(Func<Task<V1Scale>> call)
    {
        try
        {
            return await call();
        }
        catch (HttpOperationException ex)
        {
            throw new ScalingProviderException($"Kubernetes answered {(int)ex.Response.StatusCode} for {Description}: {ex.Response.Content}", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new ScalingProviderException($"Kubernetes API unreachable for {Description}: {ex.Message}", ex);
        }
    }

    private static string ProviderKind(string kind) =>
        Core.Autoscaling.ProviderSettings.KubernetesKinds.FirstOrDefault(k => string.Equals(k, kind, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"kind must be Deployment or StatefulSet, not '{kind}'", nameof(kind));

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
