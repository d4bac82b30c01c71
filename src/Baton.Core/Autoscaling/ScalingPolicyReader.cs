using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Baton.Core.Autoscaling;

/// <summary>The policies a file holds (one per YAML document), or why it is refused.</summary>
public sealed record PolicyReadResult(IReadOnlyList<ScalingPolicy> Policies, IReadOnlyList<PolicyError> Errors)
{
    public bool Succeeded => Errors.Count == 0;
}

/// <summary>
/// Reads scaling policies written in the seed's YAML (section 10.2): <c>triggers</c> with <c>type</c>,
/// <c>metricName</c>, <c>threshold</c>, <c>scaleUp: {incrementSize, cooldownMinutes}</c>,
/// <c>scaleDown: {decrementSize, cooldownMinutes}</c>, and <c>limits: {minReplicas, maxReplicas}</c>.
/// The seed's example loads unchanged (its target is then the default agent group, through the local
/// provider). Baton's additions are optional: <c>name</c>, <c>target</c>, <c>provider</c>,
/// <c>evaluationInterval</c>, <c>scaleDown.threshold</c>, <c>labels</c>, <c>perReplica</c>,
/// <c>predictive</c> and <c>anomaly</c>. Never throws on bad input.
/// </summary>
public static class ScalingPolicyReader
{
    public const int MaxReplicasCeiling = 10_000;
    public const int MaxTriggers = 32;

    private static readonly string[] PolicyFields = ["name", "target", "provider", "evaluationInterval", "triggers", "limits", "predictive", "anomaly"];
    private static readonly string[] TriggerFields = ["type", "metricName", "threshold", "labels", "perReplica", "scaleUp", "scaleDown"];
    private static readonly string[] UpFields = ["incrementSize", "cooldownMinutes", "cooldownSeconds", "cooldown"];
    private static readonly string[] DownFields = ["decrementSize", "cooldownMinutes", "cooldownSeconds", "cooldown", "threshold"];
    private static readonly string[] LimitFields = ["minReplicas", "maxReplicas"];
    private static readonly string[] TargetFields = ["component", "group"];
    private static readonly string[] PredictiveFields = ["mode", "leadTime", "slotsPerReplica", "targetUtilization"];
    private static readonly string[] AnomalyFields = ["enabled", "spikePersistence", "outlierScore"];

    public static readonly ScaleStep DefaultUp = new(1, TimeSpan.FromMinutes(2));
    public static readonly ScaleStep DefaultDown = new(1, TimeSpan.FromMinutes(5));

    /// <summary>Reads every policy of the text; any error refuses the whole file.</summary>
    public static PolicyReadResult Read(string? yaml)
    {
        var errors = new List<PolicyError>();
        try
        {
            var documents = PolicyYaml.LoadDocuments(yaml, errors);
            if (documents is null) return new PolicyReadResult([], errors);
            var policies = new List<ScalingPolicy>();
            for (var i = 0; i < documents.Count; i++)
            {
                var path = documents.Count == 1 ? "" : $"document[{i}]";
                if (ReadPolicy(documents[i], path, new PolicyYaml(errors)) is { } policy) policies.Add(policy);
            }
            foreach (var duplicate in policies.GroupBy(p => p.Target.Key).Where(g => g.Count() > 1))
            {
                errors.Add(new PolicyError("target", $"two policies scale {duplicate.Key}; one policy per target"));
            }
            return errors.Count == 0 ? new PolicyReadResult(policies, []) : new PolicyReadResult([], errors);
        }
        catch (Exception ex)
        {
            // Every known problem is an error value; this is the backstop for one we did not foresee.
            return new PolicyReadResult([], [new PolicyError("policy", $"could not read the policy: {ex.Message}")]);
        }
    }

    /// <summary>Reads a file that must hold exactly one policy.</summary>
    public static PolicyReadResult ReadOne(string? yaml)
    {
        var result = Read(yaml);
        return result.Succeeded && result.Policies.Count != 1
            ? new PolicyReadResult([], [new PolicyError("policy", $"expected one policy, found {result.Policies.Count}")])
            : result;
    }

    private static ScalingPolicy? ReadPolicy(YamlMappingNode root, string path, PolicyYaml yaml)
    {
        var before = yaml.Errors.Count;
        var fields = yaml.Fields(root, path, PolicyFields);
        var target = ReadTarget(fields, path, yaml);
        var provider = ReadProvider(fields, path, yaml);
        var limits = ReadLimits(fields, path, yaml);
        var triggers = ReadTriggers(fields, path, yaml);
        var predictive = ReadPredictive(fields, path, yaml);
        var anomaly = ReadAnomaly(fields, path, yaml);
        var interval = yaml.Duration(fields, "evaluationInterval", path) ?? TimeSpan.FromSeconds(15);
        if (interval < TimeSpan.FromSeconds(1) || interval > TimeSpan.FromHours(1))
        {
            yaml.Errors.Add(new PolicyError(PolicyYaml.Join(path, "evaluationInterval"), "must be between 1 second and 1 hour"));
        }
        var name = yaml.String(fields, "name", path) ?? target.Key;
        if (name.Length is 0 or > 100) yaml.Errors.Add(new PolicyError(PolicyYaml.Join(path, "name"), "must be 1 to 100 characters"));

        if (provider.Type == ProviderSpec.Local && target.Component != TargetComponent.Worker)
        {
            yaml.Errors.Add(new PolicyError(PolicyYaml.Join(path, "provider"), $"the local provider starts agents only; {target.Key} needs kubernetes or command"));
        }
        if (predictive.Mode != PredictiveMode.Off && target.Component != TargetComponent.Worker)
        {
            yaml.Errors.Add(new PolicyError(PolicyYaml.Join(path, "predictive"), "the forecast is of job demand: only worker targets scale on it"));
        }
        if (yaml.Errors.Count > before || limits is null) return null;
        return new ScalingPolicy(name, target, provider, triggers, limits, predictive, anomaly) { EvaluationInterval = interval };
    }

    private static ScalingTarget ReadTarget(Dictionary<string, YamlNode> fields, string path, PolicyYaml yaml)
    {
        var field = PolicyYaml.Join(path, "target");
        if (!fields.TryGetValue("target", out var node)) return ScalingTarget.DefaultWorkers;
        string? text;
        if (node is YamlMappingNode)
        {
            var targetFields = yaml.Fields(node, field, TargetFields);
            var component = yaml.String(targetFields, "component", field);
            var group = yaml.String(targetFields, "group", field);
            if (component is null)
            {
                yaml.Errors.Add(new PolicyError(PolicyYaml.Join(field, "component"), $"is required: one of {string.Join(", ", ScalingTarget.ComponentNames)}"));
                return ScalingTarget.DefaultWorkers;
            }
            text = group is null ? component : $"{component}/{group}";
        }
        else
        {
            text = yaml.String(fields, "target", path);
        }
        if (text is null) return ScalingTarget.DefaultWorkers;
        if (ScalingTarget.TryParse(text, out var target, out var error)) return target;
        yaml.Errors.Add(new PolicyError(field, error!));
        return ScalingTarget.DefaultWorkers;
    }

    private static ProviderSpec ReadProvider(Dictionary<string, YamlNode> fields, string path, PolicyYaml yaml)
    {
        var field = PolicyYaml.Join(path, "provider");
        if (!fields.TryGetValue("provider", out var node)) return ProviderSpec.LocalDefault;
        string? type;
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node is YamlMappingNode mapping)
        {
            type = null;
            foreach (var (keyNode, value) in mapping.Children)
            {
                var key = (keyNode as YamlScalarNode)?.Value ?? "?";
                if (value is not YamlScalarNode scalar)
                {
                    yaml.Errors.Add(new PolicyError(PolicyYaml.Join(field, key), "provider settings are text values"));
                    continue;
                }
                if (key == "type") type = scalar.Value;
                else settings[key] = scalar.Value ?? "";
            }
            if (type is null)
            {
                yaml.Errors.Add(new PolicyError(PolicyYaml.Join(field, "type"), $"is required: one of {string.Join(", ", ProviderSpec.Types)}"));
                return ProviderSpec.LocalDefault;
            }
        }
        else
        {
            type = yaml.String(fields, "provider", path);
        }
        type = type?.Trim().ToLowerInvariant();
        if (type is null || !ProviderSpec.Types.Contains(type))
        {
            yaml.Errors.Add(new PolicyError(field, $"unknown provider '{type}'; known: {string.Join(", ", ProviderSpec.Types)}"));
            return ProviderSpec.LocalDefault;
        }
        var spec = new ProviderSpec(type, settings);
        foreach (var problem in ProviderSettings.Check(spec)) yaml.Errors.Add(new PolicyError(PolicyYaml.Join(field, problem.Field), problem.Message));
        return spec;
    }

    private static ReplicaLimits? ReadLimits(Dictionary<string, YamlNode> fields, string path, PolicyYaml yaml)
    {
        var field = PolicyYaml.Join(path, "limits");
        if (!fields.TryGetValue("limits", out var node))
        {
            yaml.Errors.Add(new PolicyError(field, "is required: limits: {minReplicas: N, maxReplicas: M}"));
            return null;
        }
        var limitFields = yaml.Fields(node, field, LimitFields);
        var min = yaml.Integer(limitFields, "minReplicas", field);
        var max = yaml.Integer(limitFields, "maxReplicas", field);
        if (!limitFields.ContainsKey("minReplicas")) yaml.Errors.Add(new PolicyError(PolicyYaml.Join(field, "minReplicas"), "is required"));
        if (!limitFields.ContainsKey("maxReplicas")) yaml.Errors.Add(new PolicyError(PolicyYaml.Join(field, "maxReplicas"), "is required"));
        if (min is null || max is null) return null;
        var ok = true;
        if (min < 0) { yaml.Errors.Add(new PolicyError(PolicyYaml.Join(field, "minReplicas"), $"must not be negative (got {min})")); ok = false; }
        if (max < 1) { yaml.Errors.Add(new PolicyError(PolicyYaml.Join(field, "maxReplicas"), $"must be at least 1 (got {max})")); ok = false; }
        if (max > MaxReplicasCeiling) { yaml.Errors.Add(new PolicyError(PolicyYaml.Join(field, "maxReplicas"), $"must be at most {MaxReplicasCeiling}")); ok = false; }
        if (ok && min > max) { yaml.Errors.Add(new PolicyError(field, $"minReplicas ({min}) is above maxReplicas ({max})")); ok = false; }
        return ok ? new ReplicaLimits(min.Value, max.Value) : null;
    }

    private static List<ScalingTrigger> ReadTriggers(Dictionary<string, YamlNode> fields, string path, PolicyYaml yaml)
    {
        var field = PolicyYaml.Join(path, "triggers");
        var triggers = new List<ScalingTrigger>();
        if (!fields.TryGetValue("triggers", out var node) || node is not YamlSequenceNode list || list.Children.Count == 0)
        {
            yaml.Errors.Add(new PolicyError(field, "is required: a list of at least one trigger (- type: QueueDepth …)"));
            return triggers;
        }
        if (list.Children.Count > MaxTriggers)
        {
            yaml.Errors.Add(new PolicyError(field, $"at most {MaxTriggers} triggers"));
            return triggers;
        }
        for (var i = 0; i < list.Children.Count; i++)
        {
            if (TriggerReader.Read(list.Children[i], $"{field}[{i}]", yaml) is { } trigger) triggers.Add(trigger);
        }
        foreach (var duplicate in triggers.GroupBy(t => t.ReadingKey).Where(g => g.Count() > 1))
        {
            yaml.Errors.Add(new PolicyError(field, $"two triggers read {duplicate.Key}; give each reading one trigger"));
        }
        return triggers;
    }

    private static PredictiveSettings ReadPredictive(Dictionary<string, YamlNode> fields, string path, PolicyYaml yaml)
    {
        if (!fields.TryGetValue("predictive", out var node)) return PredictiveSettings.Off;
        var field = PolicyYaml.Join(path, "predictive");
        var predictive = yaml.Fields(node, field, PredictiveFields);
        var modeText = yaml.String(predictive, "mode", field) ?? "forecast-and-scale";
        PredictiveMode? mode = modeText.ToLowerInvariant() switch
        {
            "off" or "false" => PredictiveMode.Off,
            "forecast-only" => PredictiveMode.ForecastOnly,
            "forecast-and-scale" => PredictiveMode.ForecastAndScale,
            _ => null,
        };
        if (mode is null) yaml.Errors.Add(new PolicyError(PolicyYaml.Join(field, "mode"), $"unknown mode '{modeText}'; known: off, forecast-only, forecast-and-scale"));
        var lead = yaml.Duration(predictive, "leadTime", field);
        if (lead > TimeSpan.FromHours(2)) yaml.Errors.Add(new PolicyError(PolicyYaml.Join(field, "leadTime"), "must be at most 2 hours"));
        var slots = yaml.Integer(predictive, "slotsPerReplica", field) ?? 1;
        if (slots is < 1 or > 1024) yaml.Errors.Add(new PolicyError(PolicyYaml.Join(field, "slotsPerReplica"), "must be 1 to 1024"));
        var utilization = yaml.Number(predictive, "targetUtilization", field) ?? 0.8;
        if (utilization is <= 0 or > 1) yaml.Errors.Add(new PolicyError(PolicyYaml.Join(field, "targetUtilization"), "must be above 0 and at most 1"));
        return new PredictiveSettings(mode ?? PredictiveMode.Off, lead, slots, utilization);
    }

    private static AnomalySettings ReadAnomaly(Dictionary<string, YamlNode> fields, string path, PolicyYaml yaml)
    {
        if (!fields.TryGetValue("anomaly", out var node)) return AnomalySettings.Default;
        var field = PolicyYaml.Join(path, "anomaly");
        var anomaly = yaml.Fields(node, field, AnomalyFields);
        var enabled = yaml.Boolean(anomaly, "enabled", field) ?? true;
        var persistence = yaml.Duration(anomaly, "spikePersistence", field) ?? AnomalySettings.Default.SpikePersistence;
        if (persistence > TimeSpan.FromHours(1)) yaml.Errors.Add(new PolicyError(PolicyYaml.Join(field, "spikePersistence"), "must be at most 1 hour"));
        var score = yaml.Number(anomaly, "outlierScore", field) ?? AnomalySettings.Default.OutlierScore;
        if (score is < 2 or > 100) yaml.Errors.Add(new PolicyError(PolicyYaml.Join(field, "outlierScore"), "must be between 2 and 100 (robust z-score)"));
        return new AnomalySettings(enabled, persistence, score);
    }

    internal static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static class TriggerReader
    {
        public static ScalingTrigger? Read(YamlNode node, string path, PolicyYaml yaml)
        {
            var before = yaml.Errors.Count;
            var fields = yaml.Fields(node, path, TriggerFields);
            var typeText = yaml.String(fields, "type", path);
            if (typeText is null)
            {
                yaml.Errors.Add(new PolicyError(PolicyYaml.Join(path, "type"), $"is required: one of {string.Join(", ", TriggerTypes.Names)}"));
                return null;
            }
            if (!TriggerTypes.TryParse(typeText, out var type))
            {
                yaml.Errors.Add(new PolicyError(PolicyYaml.Join(path, "type"),
                    $"unknown trigger type '{typeText}'{Packages.FieldSuggestions.Hint(typeText, TriggerTypes.Names)}; known: {string.Join(", ", TriggerTypes.Names)}"));
                return null;
            }
            var metric = yaml.String(fields, "metricName", path);
            if (metric is not null && !IsMetricName(metric))
            {
                yaml.Errors.Add(new PolicyError(PolicyYaml.Join(path, "metricName"), $"'{metric}' is not an {TriggerTypes.MetricPrefix}* metric name"));
            }
            if (type == TriggerType.Metric && metric is null)
            {
                yaml.Errors.Add(new PolicyError(PolicyYaml.Join(path, "metricName"), "is required for type Metric (an orchestrator_* metric)"));
            }
            var threshold = yaml.Number(fields, "threshold", path);
            if (!fields.ContainsKey("threshold")) yaml.Errors.Add(new PolicyError(PolicyYaml.Join(path, "threshold"), "is required"));
            else if (threshold is <= 0) yaml.Errors.Add(new PolicyError(PolicyYaml.Join(path, "threshold"), $"must be above 0 (got {Format(threshold.Value)})"));
            if (type == TriggerType.CPUUtilization && threshold > 100) yaml.Errors.Add(new PolicyError(PolicyYaml.Join(path, "threshold"), "CPU utilisation is a percentage: at most 100"));

            var labels = ReadLabels(fields, path, yaml);
            var perReplica = yaml.Boolean(fields, "perReplica", path);
            var reading = perReplica is null ? TriggerTypes.DefaultReading(type) : perReplica.Value ? ReadingKind.Total : ReadingKind.Average;

            var up = ReadStep(fields, "scaleUp", "incrementSize", UpFields, DefaultUp, path, yaml, out _);
            var down = ReadStep(fields, "scaleDown", "decrementSize", DownFields, DefaultDown, path, yaml, out var downThreshold);
            if (yaml.Errors.Count > before || threshold is null) return null;

            var lower = downThreshold ?? TriggerTypes.DefaultScaleDownThreshold(type, threshold.Value);
            if (lower < 0 || lower >= threshold)
            {
                yaml.Errors.Add(new PolicyError(PolicyYaml.Join(path, "scaleDown.threshold"),
                    $"must be at least 0 and below the scale-up threshold {Format(threshold.Value)} (got {Format(lower)}): the gap between them keeps the size from flapping"));
                return null;
            }
            return new ScalingTrigger(type, metric, threshold.Value, lower, up, down, reading) { Labels = labels };
        }

        private static bool IsMetricName(string name) =>
            name.StartsWith(TriggerTypes.MetricPrefix, StringComparison.Ordinal) && name.Length <= 200
            && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':');

        private static Dictionary<string, string> ReadLabels(Dictionary<string, YamlNode> fields, string path, PolicyYaml yaml)
        {
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (!fields.TryGetValue("labels", out var node)) return labels;
            var field = PolicyYaml.Join(path, "labels");
            if (node is not YamlMappingNode mapping)
            {
                yaml.Errors.Add(new PolicyError(field, "must be a mapping of label names to values (tenant: acme)"));
                return labels;
            }
            foreach (var (keyNode, value) in mapping.Children)
            {
                var key = (keyNode as YamlScalarNode)?.Value ?? "";
                if (key.Length == 0 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') || value is not YamlScalarNode scalar)
                {
                    yaml.Errors.Add(new PolicyError(PolicyYaml.Join(field, key), "labels are name: value pairs with names of letters, digits and _"));
                    continue;
                }
                labels[key] = scalar.Value ?? "";
            }
            return labels;
        }

        private static ScaleStep ReadStep(
            Dictionary<string, YamlNode> fields, string name, string sizeField, string[] known, ScaleStep fallback,
            string path, PolicyYaml yaml, out double? threshold)
        {
            threshold = null;
            if (!fields.TryGetValue(name, out var node)) return fallback;
            var field = PolicyYaml.Join(path, name);
            var step = yaml.Fields(node, field, known);
            var size = yaml.Integer(step, sizeField, field) ?? fallback.Size;
            if (size < 1) yaml.Errors.Add(new PolicyError(PolicyYaml.Join(field, sizeField), $"must be at least 1 (got {size})"));
            if (known.Contains("threshold")) threshold = yaml.Number(step, "threshold", field);
            var cooldown = yaml.Cooldown(step, field) ?? fallback.Cooldown;
            return new ScaleStep(size, cooldown);
        }
    }
}
