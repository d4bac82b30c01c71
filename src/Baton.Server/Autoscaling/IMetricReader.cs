using Baton.Server.Metrics;

namespace Baton.Server.Autoscaling;

/// <summary>
/// Reads an <c>orchestrator_*</c> metric named by a policy trigger: summed over the series its labels match, or
/// null when there is no reading (the trigger then holds the size).
/// </summary>
public interface IMetricReader
{
    ValueTask<double?> ReadAsync(string name, IReadOnlyDictionary<string, string> labels, CancellationToken ct);

    /// <summary>Whether the name reads anything here; a policy naming another metric is refused when applied.</summary>
    bool Knows(string name);
}

/// <summary>
/// The metrics registry as the autoscaler's source for named metrics: a trigger reads exactly what <c>/metrics</c>
/// shows (<see cref="MetricReader"/>: fleet gauges from the shared store read, at most <c>Metrics:FleetMaxAge</c>
/// old, so every replica reads alike; counters and histograms of this replica). <c>tenant</c> labels are tenant
/// names, and a tenant outside the most active <c>Metrics:TenantLabelLimit</c> is only under <c>_other</c>.
/// <c>orchestrator_agents_online</c> (the AgentCount trigger's metric) reads <c>orchestrator_agents{state="online"}</c>.
/// </summary>
public sealed class RegistryMetricReader(MetricReader reader) : IMetricReader
{
    private const string AgentsOnline = "orchestrator_agents_online";
    private const string Agents = "orchestrator_agents";

    public async ValueTask<double?> ReadAsync(string name, IReadOnlyDictionary<string, string> labels, CancellationToken ct)
    {
        if (name == AgentsOnline)
        {
            var online = new Dictionary<string, string>(labels, StringComparer.Ordinal) { ["state"] = "online" };
            return await reader.ReadAsync(Agents, online, ct);
        }
        return Knows(name) ? await reader.ReadAsync(name, labels, ct) : null;
    }

    public bool Knows(string name) => name == AgentsOnline || reader.Knows(name);
}
