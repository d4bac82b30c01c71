using System.Globalization;

namespace Baton.Core.Autoscaling;

/// <summary>The settings each provider takes, checked when a policy is read so a typo fails at apply, not at 3 a.m.</summary>
public static class ProviderSettings
{
    /// <summary>Kubernetes workload kinds whose <c>/scale</c> subresource the provider sets.</summary>
    public static readonly string[] KubernetesKinds = ["Deployment", "StatefulSet"];

    private static readonly Dictionary<string, string[]> Known = new(StringComparer.Ordinal)
    {
        [ProviderSpec.Local] = ["slots"],
        [ProviderSpec.Kubernetes] = ["name", "kind", "namespace", "kubeconfig", "context"],
        [ProviderSpec.Command] = ["command", "statusCommand", "timeout"],
    };

    public static IEnumerable<PolicyError> Check(ProviderSpec spec)
    {
        var known = Known[spec.Type];
        foreach (var key in spec.Settings.Keys.Where(k => !known.Contains(k)))
        {
            yield return new PolicyError(key, $"unknown {spec.Type} provider setting{Packages.FieldSuggestions.Hint(key, known)}; known: {string.Join(", ", known)}");
        }
        switch (spec.Type)
        {
            case ProviderSpec.Local:
                if (spec.Setting("slots") is { } slots && (!int.TryParse(slots, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 256))
                {
                    yield return new PolicyError("slots", $"must be a whole number from 1 to 256, not '{slots}'");
                }
                break;
            case ProviderSpec.Kubernetes:
                if (string.IsNullOrWhiteSpace(spec.Setting("name"))) yield return new PolicyError("name", "is required: the Deployment or StatefulSet to scale");
                if (spec.Setting("kind") is { } kind && !KubernetesKinds.Contains(kind, StringComparer.OrdinalIgnoreCase))
                {
                    yield return new PolicyError("kind", $"must be one of {string.Join(", ", KubernetesKinds)}, not '{kind}'");
                }
                break;
            case ProviderSpec.Command:
                if (string.IsNullOrWhiteSpace(spec.Setting("command"))) yield return new PolicyError("command", "is required: the command that sets the count ({replicas} is replaced by the wanted count)");
                if (spec.Setting("timeout") is { } timeout && !Packages.DurationParser.TryParse(timeout, out _))
                {
                    yield return new PolicyError("timeout", $"must be a duration such as 60s or 5m, not '{timeout}'");
                }
                break;
        }
    }
}
