using Baton.Core.Autoscaling;
using Baton.Storage;
using Baton.Storage.Model;

namespace Baton.Server.Autoscaling;

/// <summary>Applying policies: read (all or nothing), then one row per target, kept with its pause flag and state.</summary>
public sealed class AutoscalePolicies(IBatonStore store, IMetricReader metrics, TimeProvider time)
{
    /// <summary>
    /// <c>baton up --autoscale</c> without a file: this machine's agents, one to four, on queue depth (10 waiting jobs
    /// per agent up, 1 down) and slot use, the forecast on, a spike followed once it lasts 20 s. Cooldowns are short because a
    /// local agent starts in seconds.
    /// </summary>
    public const string DefaultLocalPolicy = """
        # baton up --autoscale: agents on this machine, scaled on the jobs waiting for them.
        name: local-agents
        target: worker/default
        provider: {type: local, slots: 4}
        evaluationInterval: 5s
        triggers:
          - type: QueueDepth
            metricName: orchestrator_job_queue_depth
            threshold: 10
            scaleUp: {incrementSize: 1, cooldownSeconds: 20}
            scaleDown: {threshold: 1, decrementSize: 1, cooldownSeconds: 60}
          - type: CPUUtilization
            threshold: 90
            scaleUp: {incrementSize: 1, cooldownSeconds: 30}
            scaleDown: {decrementSize: 1, cooldownSeconds: 60}
        limits:
          minReplicas: 1
          maxReplicas: 4
        predictive:
          mode: forecast-and-scale
          slotsPerReplica: 4
        anomaly:
          spikePersistence: 20s
        """;

    /// <summary>Reads every policy of <paramref name="yaml"/> and stores them; nothing is stored when one is refused.</summary>
    public async Task<PolicyReadResult> ApplyAsync(string yaml, CancellationToken ct)
    {
        var read = ScalingPolicyReader.Read(yaml);
        if (!read.Succeeded) return read;
        if (UnknownMetrics(read.Policies) is { Count: > 0 } unknown) return new PolicyReadResult([], unknown);
        var documents = SplitDocuments(yaml, read.Policies.Count);
        for (var i = 0; i < read.Policies.Count; i++)
        {
            var policy = read.Policies[i];
            await store.Autoscale.UpsertPolicyAsync(new NewAutoscalePolicy(policy.Target.Key, policy.Name, documents[i], policy.Provider.Type, time.GetUtcNow()), ct);
        }
        return read;
    }

    /// <summary>
    /// Triggers that name a metric this server does not publish: refused now, rather than holding forever without a
    /// reading. (The reader checks the name's form; which metrics exist is the server's to say.)
    /// </summary>
    private List<PolicyError> UnknownMetrics(IReadOnlyList<ScalingPolicy> policies)
    {
        var errors = new List<PolicyError>();
        for (var p = 0; p < policies.Count; p++)
        {
            var triggers = policies[p].Triggers;
            for (var t = 0; t < triggers.Count; t++)
            {
                var trigger = triggers[t];
                if (trigger.ReadingKey == TriggerTypes.Name(trigger.Type) || metrics.Knows(trigger.MetricName ?? "")) continue;
                var document = policies.Count == 1 ? "" : $"document[{p}].";
                errors.Add(new PolicyError($"{document}triggers[{t}].metricName",
                    $"this server publishes no metric {trigger.MetricName} (GET /metrics lists them; a histogram reads as NAME_count or NAME_sum)"));
            }
        }
        return errors;
    }

    /// <summary>Each policy's own YAML text, so a target keeps exactly what was applied for it.</summary>
    private static List<string> SplitDocuments(string yaml, int count)
    {
        if (count == 1) return [yaml];
        var documents = new List<string>();
        var current = new System.Text.StringBuilder();
        foreach (var line in yaml.Split('\n'))
        {
            if (line.TrimEnd('\r') == "---")
            {
                if (current.ToString().Trim().Length > 0) documents.Add(current.ToString());
                current.Clear();
                continue;
            }
            current.Append(line).Append('\n');
        }
        if (current.ToString().Trim().Length > 0) documents.Add(current.ToString());
        return documents.Count == count ? documents : throw new InvalidOperationException("Policy documents could not be split one per policy.");
    }
}
