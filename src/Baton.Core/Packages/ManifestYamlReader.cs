using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Baton.Core.Packages;

/// <summary>
/// Loads manifest YAML into the representation model and reads typed scalars from it. Every
/// scalar stays text until a field says what it means, so <c>version: 1.0</c> is never a float.
/// </summary>
internal static class ManifestYamlReader
{
    public const string DocumentField = "baton.yaml";

    /// <summary>Loads the single mapping document; an error names what is wrong and where.</summary>
    public static bool TryLoad(string? yaml, CancellationToken cancellationToken, out YamlMappingNode? root, out ManifestError? error)
    {
        root = null;
        error = null;
        if (string.IsNullOrWhiteSpace(yaml))
        {
            error = new ManifestError(DocumentField, "the manifest is empty");
            return false;
        }
        if (YamlNestingGuard.Check(yaml) is { } tooDeep)
        {
            error = new ManifestError(DocumentField, tooDeep);
            return false;
        }
        if (YamlDocumentBudget.Check(yaml, cancellationToken) is { } overBudget)
        {
            error = new ManifestError(DocumentField, overBudget);
            return false;
        }
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            error = new ManifestError(DocumentField, DescribeSyntaxError(yaml, ex));
            return false;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // The representation model reports a duplicate mapping key as an ArgumentException.
            error = new ManifestError(DocumentField, $"invalid YAML: {ex.Message}");
            return false;
        }
        if (stream.Documents.Count == 0 || IsNull(stream.Documents[0].RootNode))
        {
            error = new ManifestError(DocumentField, "the manifest is empty");
            return false;
        }
        if (stream.Documents.Count > 1)
        {
            error = new ManifestError(DocumentField, "the manifest must hold a single YAML document");
            return false;
        }
        root = stream.Documents[0].RootNode as YamlMappingNode;
        if (root is null)
        {
            error = new ManifestError(DocumentField, "the manifest must be a mapping of fields (name: ..., version: ...)");
            return false;
        }
        return true;
    }

    /// <summary>A plain <c>~</c>, <c>null</c> or empty scalar: the field was written but holds nothing.</summary>
    public static bool IsNull(YamlNode? node) =>
        node is null || (node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } scalar
            && !HasSpecificTag(scalar) && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL");

    /// <summary>Whether a scalar was quoted (or tagged <c>!!str</c>): then it is text, whatever it looks like.</summary>
    public static bool IsQuoted(YamlScalarNode scalar) =>
        scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded
        || (HasSpecificTag(scalar) && scalar.Tag.Value == "tag:yaml.org,2002:str");

    // TagName.Value throws for the empty and the non-specific ("!") tag, which quoted scalars carry.
    private static bool HasSpecificTag(YamlNode node) => !node.Tag.IsEmpty && !node.Tag.IsNonSpecific;

    public static string? ReadString(YamlNode node, string field, List<ManifestError> errors)
    {
        if (node is YamlScalarNode scalar) return scalar.Value ?? "";
        errors.Add(new ManifestError(field, $"must be text, not a {Describe(node)}"));
        return null;
    }

    public static bool? ReadBoolean(YamlNode node, string field, List<ManifestError> errors)
    {
        if (node is YamlScalarNode scalar && TryParseBoolean(scalar.Value, out var value)) return value;
        errors.Add(new ManifestError(field, $"must be true or false, not {Show(node)}"));
        return null;
    }

    public static bool TryParseBoolean(string? text, out bool value)
    {
        switch (text)
        {
            case "true" or "True" or "TRUE": value = true; return true;
            case "false" or "False" or "FALSE": value = false; return true;
            default: value = false; return false;
        }
    }

    /// <summary>A node as a user would recognise it in an error: the scalar's text or its kind.</summary>
    public static string Show(YamlNode node) => node is YamlScalarNode scalar ? $"'{scalar.Value}'" : $"a {Describe(node)}";

    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "mapping",
        YamlSequenceNode => "list",
        _ => "value",
    };

    private static string DescribeSyntaxError(string yaml, YamlException ex)
    {
        var message = ex.InnerException is YamlException inner && !string.IsNullOrEmpty(inner.Message) ? inner.Message : ex.Message;
        var line = ex.Start.Line;
        var text = $"invalid YAML at line {line}, column {ex.Start.Column}: {message}";
        // `python: >=3.9` and `python: !=3.10` are the classic traps: '>' starts a folded block and '!' a tag.
        var lines = yaml.Split('\n');
        if (line >= 1 && line <= lines.Length && HasUnquotedOperatorValue(lines[line - 1]))
        {
            text += " (quote values that start with '>', '<', '!' or '=', e.g. python: \">=3.9\")";
        }
        return text;
    }

    private static bool HasUnquotedOperatorValue(string line)
    {
        var colon = line.IndexOf(": ", StringComparison.Ordinal);
        if (colon < 0) return line.TrimStart().StartsWith("- >", StringComparison.Ordinal) || line.TrimStart().StartsWith("- !", StringComparison.Ordinal);
        var value = line[(colon + 2)..].TrimStart();
        return value.Length > 0 && value[0] is '>' or '!' or '<' or '=';
    }
}
