using System.Buffers;
using System.Globalization;
using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace Baton.Core.Packages;

/// <summary>
/// Turns a parameter's YAML <c>default</c> into JSON. The top-level scalar is read as the declared
/// type (<c>default: 5</c> for a string parameter is the text "5"); values nested in an object or
/// array default follow the YAML core schema (quoted text stays text).
/// </summary>
internal static class YamlDefaultConverter
{
    // Aliases make a small document describe a huge tree; stop well before that hurts.
    private const int MaxNodes = 10_000;
    private const int MaxDepth = 32;

    public static bool TryConvert(YamlNode node, ParameterType type, out JsonElement value, out string? error)
    {
        value = default;
        error = null;
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            var budget = MaxNodes;
            if (!TryWriteTyped(writer, node, type, ref budget, out error)) return false;
        }
        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        value = document.RootElement.Clone();
        return true;
    }

    private static bool TryWriteTyped(Utf8JsonWriter writer, YamlNode node, ParameterType type, ref int budget, out string? error)
    {
        error = null;
        switch (type)
        {
            case ParameterType.Object when node is YamlMappingNode:
            case ParameterType.Array when node is YamlSequenceNode:
                return TryWriteInferred(writer, node, 0, ref budget, out error);
            case ParameterType.Object or ParameterType.Array:
                error = $"must be {(type == ParameterType.Object ? "a mapping" : "a list")} for a parameter of type {Name(type)}, not {ManifestYamlReader.Show(node)}";
                return false;
        }
        if (node is not YamlScalarNode scalar)
        {
            error = $"must be a single value for a parameter of type {Name(type)}, not a {ManifestYamlReader.Describe(node)}";
            return false;
        }
        var text = scalar.Value ?? "";
        switch (type)
        {
            case ParameterType.String:
                writer.WriteStringValue(text);
                return true;
            case ParameterType.Integer when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer):
                writer.WriteNumberValue(integer);
                return true;
            case ParameterType.Number when TryParseNumber(text, out var number):
                WriteNumber(writer, text, number);
                return true;
            case ParameterType.Boolean when ManifestYamlReader.TryParseBoolean(text, out var boolean):
                writer.WriteBooleanValue(boolean);
                return true;
            default:
                error = $"'{text}' is not {(type == ParameterType.Integer ? "an" : "a")} {Name(type)}";
                return false;
        }
    }

    private static bool TryWriteInferred(Utf8JsonWriter writer, YamlNode node, int depth, ref int budget, out string? error)
    {
        error = null;
        if (--budget < 0 || depth > MaxDepth)
        {
            error = "is too large or too deeply nested";
            return false;
        }
        switch (node)
        {
            case YamlMappingNode mapping:
                writer.WriteStartObject();
                foreach (var (key, child) in mapping.Children)
                {
                    if (key is not YamlScalarNode { Value: { } name })
                    {
                        error = "has a mapping key that is not text";
                        return false;
                    }
                    writer.WritePropertyName(name);
                    if (!TryWriteInferred(writer, child, depth + 1, ref budget, out error)) return false;
                }
                writer.WriteEndObject();
                return true;
            case YamlSequenceNode sequence:
                writer.WriteStartArray();
                foreach (var child in sequence.Children)
                {
                    if (!TryWriteInferred(writer, child, depth + 1, ref budget, out error)) return false;
                }
                writer.WriteEndArray();
                return true;
            case YamlScalarNode scalar:
                WriteInferredScalar(writer, scalar);
                return true;
            default:
                error = "holds a YAML alias that could not be resolved";
                return false;
        }
    }

    private static void WriteInferredScalar(Utf8JsonWriter writer, YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (ManifestYamlReader.IsQuoted(scalar)) writer.WriteStringValue(text);
        else if (ManifestYamlReader.IsNull(scalar)) writer.WriteNullValue();
        else if (ManifestYamlReader.TryParseBoolean(text, out var boolean)) writer.WriteBooleanValue(boolean);
        else if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)) writer.WriteNumberValue(integer);
        else if (LooksNumeric(text) && TryParseNumber(text, out var number)) WriteNumber(writer, text, number);
        else writer.WriteStringValue(text);
    }

    private static bool LooksNumeric(string text) =>
        text.Length > 0 && (char.IsAsciiDigit(text[0]) || (text.Length > 1 && text[0] is '-' or '+' or '.' && (char.IsAsciiDigit(text[1]) || text[1] == '.')));

    private static bool TryParseNumber(string text, out double number) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number) && double.IsFinite(number);

    private static void WriteNumber(Utf8JsonWriter writer, string text, double number)
    {
        // Keep the author's digits when they are exact as a decimal (0.1 stays 0.1, not 0.1000000000000000055).
        if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var exact)) writer.WriteNumberValue(exact);
        else writer.WriteNumberValue(number);
    }

    internal static string Name(ParameterType type) => type.ToString().ToLowerInvariant();
}
