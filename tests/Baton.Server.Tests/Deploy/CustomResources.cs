using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Baton.Server.Tests.Deploy;

// The two custom resources the chart renders are not in KubernetesClient's models; these are the parts of their
// CRD schemas (KEDA keda.sh/v1alpha1 ScaledObject, Prometheus Operator monitoring.coreos.com/v1 ServiceMonitor) that
// the chart may use. Strict deserialisation then refuses any other field, as for the built-in kinds.

public sealed class KedaScaledObject : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public ScaledObjectSpec Spec { get; set; } = new();
}

public sealed class ScaledObjectSpec
{
    [JsonPropertyName("scaleTargetRef")] public ScaleTarget ScaleTargetRef { get; set; } = new();
    [JsonPropertyName("minReplicaCount")] public int? MinReplicaCount { get; set; }
    [JsonPropertyName("maxReplicaCount")] public int? MaxReplicaCount { get; set; }
    [JsonPropertyName("cooldownPeriod")] public int? CooldownPeriod { get; set; }
    [JsonPropertyName("pollingInterval")] public int? PollingInterval { get; set; }
    [JsonPropertyName("triggers")] public IList<ScaleTrigger> Triggers { get; set; } = [];
}

public sealed class ScaleTarget
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("kind")] public string? Kind { get; set; }
    [JsonPropertyName("apiVersion")] public string? ApiVersion { get; set; }
}

public sealed class ScaleTrigger
{
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("metadata")] public IDictionary<string, string> Metadata { get; set; } = new Dictionary<string, string>();
}

public sealed class ServiceMonitor : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public ServiceMonitorSpec Spec { get; set; } = new();
}

public sealed class ServiceMonitorSpec
{
    [JsonPropertyName("selector")] public V1LabelSelector Selector { get; set; } = new();
    [JsonPropertyName("endpoints")] public IList<MonitorEndpoint> Endpoints { get; set; } = [];
}

public sealed class MonitorEndpoint
{
    [JsonPropertyName("port")] public string Port { get; set; } = "";
    [JsonPropertyName("path")] public string? Path { get; set; }
    [JsonPropertyName("interval")] public string? Interval { get; set; }
}
