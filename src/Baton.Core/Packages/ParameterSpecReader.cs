using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace Baton.Core.Packages;

/// <summary>Reads a manifest's <c>parameters</c> mapping: name → {type, required, default, description}.</summary>
internal static class ParameterSpecReader
{
    private const int MaxParameters = 200;
    private static readonly string[] SpecFields = ["type", "required", "default", "description"];

    public static Dictionary<string, ParameterSpec> Read(YamlNode node, List<ManifestError> errors)
    {
        var parameters = new Dictionary<string, ParameterSpec>(StringComparer.Ordinal);
        if (ManifestYamlReader.IsNull(node)) return parameters;
        if (node is not YamlMappingNode mapping)
        {
            errors.Add(new ManifestError("parameters", $"must be a mapping of parameter name to its type, not {ManifestYamlReader.Show(node)}"));
            return parameters;
        }
        if (mapping.Children.Count > MaxParameters)
        {
            errors.Add(new ManifestError("parameters", $"a package may declare at most {MaxParameters} parameters"));
            return parameters;
        }
        foreach (var (nameNode, specNode) in mapping.Children)
        {
            var name = (nameNode as YamlScalarNode)?.Value;
            if (!PythonNames.IsIdentifier(name))
            {
                errors.Add(new ManifestError($"parameters.{name ?? "?"}",
                    "parameter names must be Python identifiers (letters, digits and '_', not starting with a digit, not a keyword)"));
                continue;
            }
            var spec = ReadSpec(specNode, $"parameters.{name}", errors);
            if (spec is not null) parameters[name!] = spec;
        }
        return parameters;
    }

    private static ParameterSpec? ReadSpec(YamlNode node, string field, List<ManifestError> errors)
    {
        if (ManifestYamlReader.IsNull(node)) return new ParameterSpec();
        // `count: integer` is shorthand for `count: {type: integer}`.
        if (node is YamlScalarNode shorthand)
        {
            var type = ReadType(shorthand, $"{field}.type", errors);
            return type is null ? null : new ParameterSpec { Type = type.Value };
        }
        if (node is not YamlMappingNode mapping)
        {
            errors.Add(new ManifestError(field, "must be a mapping such as {type: string, required: true}"));
            return null;
        }
        var before = errors.Count;
        var fields = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "?";
            if (SpecFields.Contains(key)) fields[key] = valueNode;
            else errors.Add(new ManifestError($"{field}.{key}", $"unknown field{FieldSuggestions.Hint(key, SpecFields)}; a parameter has {string.Join(", ", SpecFields)}"));
        }
        var spec = new ParameterSpec();
        if (fields.TryGetValue("type", out var typeNode) && !ManifestYamlReader.IsNull(typeNode))
        {
            var type = ReadType(typeNode, $"{field}.type", errors);
            if (type is not null) spec = spec with { Type = type.Value };
        }
        if (fields.TryGetValue("required", out var requiredNode) && !ManifestYamlReader.IsNull(requiredNode))
        {
            spec = spec with { Required = ManifestYamlReader.ReadBoolean(requiredNode, $"{field}.required", errors) ?? false };
        }
        if (fields.TryGetValue("description", out var descriptionNode) && !ManifestYamlReader.IsNull(descriptionNode))
        {
            spec = spec with { Description = ManifestYamlReader.ReadString(descriptionNode, $"{field}.description", errors) };
        }
        // A default is only checked against a type that was itself valid, so one mistake gives one error.
        if (fields.TryGetValue("default", out var defaultNode) && !ManifestYamlReader.IsNull(defaultNode) && errors.Count == before)
        {
            if (YamlDefaultConverter.TryConvert(defaultNode, spec.Type, out var value, out var error)) spec = spec with { Default = value };
            else errors.Add(new ManifestError($"{field}.default", error!));
        }
        return errors.Count == before ? spec : null;
    }

    private static ParameterType? ReadType(YamlNode node, string field, List<ManifestError> errors)
    {
        var text = (node as YamlScalarNode)?.Value?.Trim();
        foreach (var type in Enum.GetValues<ParameterType>())
        {
            if (string.Equals(text, YamlDefaultConverter.Name(type), StringComparison.OrdinalIgnoreCase)) return type;
        }
        var names = string.Join(", ", Enum.GetValues<ParameterType>().Select(YamlDefaultConverter.Name));
        errors.Add(new ManifestError(field, $"{ManifestYamlReader.Show(node)} is not a parameter type; use one of {names}"));
        return null;
    }
}
