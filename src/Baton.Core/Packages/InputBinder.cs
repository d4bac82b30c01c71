using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Baton.Core.Packages;

/// <summary>
/// Checks submitted job inputs against a manifest's parameters: unknown names refused, required
/// ones present, types right, defaults applied. A string value for an integer, number or boolean
/// parameter is converted when it parses (the CLI's <c>--input k=v</c> sends strings). A JSON
/// <c>null</c> counts as not given.
/// </summary>
public static class InputBinder
{
    public static InputBindingResult Bind(PackageManifest manifest, IReadOnlyDictionary<string, JsonElement>? inputs)
    {
        inputs ??= new Dictionary<string, JsonElement>();
        var errors = new List<ManifestError>();
        foreach (var name in inputs.Keys.Where(n => !manifest.Parameters.ContainsKey(n)).Order(StringComparer.Ordinal))
        {
            var known = manifest.Parameters.Count == 0
                ? "the package takes no inputs"
                : $"the package takes {string.Join(", ", manifest.Parameters.Keys)}";
            errors.Add(new ManifestError(Field(name), $"unknown input; {known}"));
        }

        var bound = new JsonObject();
        foreach (var (name, spec) in manifest.Parameters)
        {
            if (inputs.TryGetValue(name, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
            {
                if (TryConvert(value, spec.Type, out var node, out var error)) bound[name] = node;
                else errors.Add(new ManifestError(Field(name), error!));
            }
            else if (spec.Default is { } fallback && fallback.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
            {
                bound[name] = JsonNode.Parse(fallback.GetRawText());
            }
            else if (spec.Required)
            {
                errors.Add(new ManifestError(Field(name), $"is required ({YamlDefaultConverter.Name(spec.Type)})"));
            }
        }
        return errors.Count == 0 ? new InputBindingResult(bound, []) : new InputBindingResult(null, errors);
    }

    private static string Field(string name) => $"inputs.{name}";

    private static bool TryConvert(JsonElement value, ParameterType type, out JsonNode? node, out string? error)
    {
        node = null;
        error = null;
        switch (type)
        {
            case ParameterType.String when value.ValueKind == JsonValueKind.String:
            case ParameterType.Number when value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out _):
            case ParameterType.Boolean when value.ValueKind is JsonValueKind.True or JsonValueKind.False:
            case ParameterType.Object when value.ValueKind == JsonValueKind.Object:
            case ParameterType.Array when value.ValueKind == JsonValueKind.Array:
                node = JsonNode.Parse(value.GetRawText());
                return true;
            case ParameterType.Integer when value.ValueKind == JsonValueKind.Number && TryGetWholeNumber(value, out var whole):
                node = JsonValue.Create(whole);
                return true;
            case ParameterType.Integer when value.ValueKind == JsonValueKind.String
                && long.TryParse(value.GetString()!.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsedInteger):
                node = JsonValue.Create(parsedInteger);
                return true;
            case ParameterType.Number when value.ValueKind == JsonValueKind.String
                && double.TryParse(value.GetString()!.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsedNumber)
                && double.IsFinite(parsedNumber):
                node = JsonValue.Create(parsedNumber);
                return true;
            case ParameterType.Boolean when value.ValueKind == JsonValueKind.String && bool.TryParse(value.GetString()!.Trim(), out var parsedBoolean):
                node = JsonValue.Create(parsedBoolean);
                return true;
            default:
                error = $"expected {Article(type)} {YamlDefaultConverter.Name(type)}, got {Describe(value)}";
                return false;
        }
    }

    /// <summary>5, 5.0 and 5e2 are whole numbers; 5.5 and 1e30 (beyond a long) are not.</summary>
    private static bool TryGetWholeNumber(JsonElement value, out long whole)
    {
        if (value.TryGetInt64(out whole)) return true;
        if (value.TryGetDecimal(out var exact) && decimal.Truncate(exact) == exact && exact is >= long.MinValue and <= long.MaxValue)
        {
            whole = (long)exact;
            return true;
        }
        return false;
    }

    private static string Article(ParameterType type) => type is ParameterType.Integer or ParameterType.Object or ParameterType.Array ? "an" : "a";

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"\"{Truncate(value.GetString()!)}\"",
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}

public sealed record InputBindingResult(JsonObject? Inputs, IReadOnlyList<ManifestError> Errors)
{
    public bool IsValid => Inputs is not null && Errors.Count == 0;
}
