using System.Globalization;
using Baton.Core.Packages;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Baton.Core.Autoscaling;

/// <summary>A problem in a policy, with the path of the field at fault (<c>triggers[0].scaleUp.incrementSize</c>).</summary>
public sealed record PolicyError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>Typed reads of policy YAML that collect errors instead of throwing.</summary>
internal sealed class PolicyYaml(List<PolicyError> errors)
{
    public List<PolicyError> Errors { get; } = errors;

    /// <summary>Loads every document of the text; each must be a mapping.</summary>
    public static IReadOnlyList<YamlMappingNode>? LoadDocuments(string? yaml, List<PolicyError> errors)
    {
        if (string.IsNullOrWhiteSpace(yaml))
        {
            errors.Add(new PolicyError("policy", "the policy is empty"));
            return null;
        }
        if (YamlNestingGuard.Check(yaml) is { } tooDeep)
        {
            errors.Add(new PolicyError("policy", tooDeep));
            return null;
        }
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            var message = ex.InnerException is YamlException inner && !string.IsNullOrEmpty(inner.Message) ? inner.Message : ex.Message;
            errors.Add(new PolicyError("policy", $"invalid YAML at line {ex.Start.Line}, column {ex.Start.Column}: {message}"));
            return null;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            errors.Add(new PolicyError("policy", $"invalid YAML: {ex.Message}"));
            return null;
        }
        var documents = new List<YamlMappingNode>();
        foreach (var document in stream.Documents)
        {
            if (ManifestYamlReader.IsNull(document.RootNode)) continue;
            if (document.RootNode is YamlMappingNode mapping) documents.Add(mapping);
            else errors.Add(new PolicyError("policy", "a policy must be a mapping (triggers: …, limits: …)"));
        }
        if (documents.Count == 0 && errors.Count == 0) errors.Add(new PolicyError("policy", "the policy is empty"));
        return errors.Count == 0 ? documents : null;
    }

    /// <summary>The fields of a mapping; unknown ones are refused with a suggestion.</summary>
    public Dictionary<string, YamlNode> Fields(YamlNode node, string path, IReadOnlyCollection<string> known)
    {
        var fields = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        if (node is not YamlMappingNode mapping)
        {
            Errors.Add(new PolicyError(path, $"must be a mapping of fields ({string.Join(", ", known)}), not {ManifestYamlReader.Show(node)}"));
            return fields;
        }
        foreach (var (keyNode, value) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "?";
            if (known.Contains(key)) fields[key] = value;
            else Errors.Add(new PolicyError(Join(path, key), $"unknown field{FieldSuggestions.Hint(key, known)}; known fields are {string.Join(", ", known)}"));
        }
        return fields;
    }

    public static string Join(string path, string field) => path.Length == 0 ? field : $"{path}.{field}";

    public string? String(Dictionary<string, YamlNode> fields, string name, string path)
    {
        if (!fields.TryGetValue(name, out var node) || ManifestYamlReader.IsNull(node)) return null;
        if (node is YamlScalarNode scalar) return scalar.Value ?? "";
        Errors.Add(new PolicyError(Join(path, name), $"must be text, not a {ManifestYamlReader.Describe(node)}"));
        return null;
    }

    public double? Number(Dictionary<string, YamlNode> fields, string name, string path)
    {
        if (!fields.TryGetValue(name, out var node) || ManifestYamlReader.IsNull(node)) return null;
        if (node is YamlScalarNode scalar && !ManifestYamlReader.IsQuoted(scalar)
            && double.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }
        Errors.Add(new PolicyError(Join(path, name), $"must be a number, not {ManifestYamlReader.Show(node)}"));
        return null;
    }

    public int? Integer(Dictionary<string, YamlNode> fields, string name, string path)
    {
        var number = Number(fields, name, path);
        if (number is null) return null;
        if (number != Math.Floor(number.Value) || Math.Abs(number.Value) > 1_000_000)
        {
            Errors.Add(new PolicyError(Join(path, name), $"must be a whole number, not {number.Value.ToString(CultureInfo.InvariantCulture)}"));
            return null;
        }
        return (int)number.Value;
    }

    public bool? Boolean(Dictionary<string, YamlNode> fields, string name, string path)
    {
        if (!fields.TryGetValue(name, out var node) || ManifestYamlReader.IsNull(node)) return null;
        if (node is YamlScalarNode scalar && ManifestYamlReader.TryParseBoolean(scalar.Value, out var value)) return value;
        Errors.Add(new PolicyError(Join(path, name), $"must be true or false, not {ManifestYamlReader.Show(node)}"));
        return null;
    }

    /// <summary>A duration written as seconds (<c>90</c>) or with units (<c>30s</c>, <c>5m</c>, <c>1h30m</c>).</summary>
    public TimeSpan? Duration(Dictionary<string, YamlNode> fields, string name, string path)
    {
        if (!fields.TryGetValue(name, out var node) || ManifestYamlReader.IsNull(node)) return null;
        if (node is YamlScalarNode scalar)
        {
            if (double.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds) && seconds >= 0 && seconds <= 7 * 86_400)
            {
                return TimeSpan.FromSeconds(seconds);
            }
            if (DurationParser.TryParse(scalar.Value, out var duration)) return duration;
        }
        Errors.Add(new PolicyError(Join(path, name), $"must be a duration such as 30s, 5m or 90 (seconds), not {ManifestYamlReader.Show(node)}"));
        return null;
    }

    /// <summary>The seed's <c>cooldownMinutes</c>, or <c>cooldownSeconds</c> / <c>cooldown</c> for shorter ones; at most one of them.</summary>
    public TimeSpan? Cooldown(Dictionary<string, YamlNode> fields, string path)
    {
        var given = new[] { "cooldownMinutes", "cooldownSeconds", "cooldown" }.Where(fields.ContainsKey).ToList();
        if (given.Count > 1)
        {
            Errors.Add(new PolicyError(Join(path, given[1]), $"give one of {string.Join(", ", given)}, not several"));
            return null;
        }
        var seconds = given.FirstOrDefault() switch
        {
            "cooldownMinutes" => Number(fields, "cooldownMinutes", path) * 60,
            "cooldownSeconds" => Number(fields, "cooldownSeconds", path),
            "cooldown" => Duration(fields, "cooldown", path)?.TotalSeconds,
            _ => null,
        };
        if (seconds is null) return null;
        if (seconds < 0 || seconds > 86_400)
        {
            Errors.Add(new PolicyError(Join(path, given[0]), "a cooldown must be between 0 and one day"));
            return null;
        }
        return TimeSpan.FromSeconds(seconds.Value);
    }
}
