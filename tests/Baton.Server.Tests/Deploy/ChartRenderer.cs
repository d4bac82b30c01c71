using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Baton.Server.Tests.Deploy;

/// <summary>
/// Renders the Helm chart's templates without a helm binary, for the subset of Go templates the chart uses:
/// <c>{{ .Values.a.b }}</c>, <c>.Release.Name</c>/<c>.Release.Namespace</c>, <c>| quote</c>,
/// <c>toYaml X | nindent N</c>, <c>if</c>/<c>else</c>/<c>end</c> with Go truthiness, and <c>{{-</c>/<c>-}}</c>
/// whitespace trimming. Anything else is an error, so a template that strays from the subset fails the test
/// instead of rendering differently from Helm.
/// </summary>
public sealed partial class ChartRenderer(YamlMappingNode values, string releaseName, string releaseNamespace)
{
    public static YamlMappingNode LoadValues(params string[] files)
    {
        var merged = new YamlMappingNode();
        foreach (var file in files)
        {
            var stream = new YamlStream();
            using var reader = new StringReader(File.ReadAllText(file));
            stream.Load(reader);
            Merge(merged, (YamlMappingNode)stream.Documents[0].RootNode);
        }
        return merged;
    }

    /// <summary>Helm's values merge: maps merge key by key, anything else replaces.</summary>
    private static void Merge(YamlMappingNode target, YamlMappingNode overlay)
    {
        foreach (var (key, value) in overlay.Children)
        {
            if (value is YamlMappingNode map && target.Children.TryGetValue(key, out var existing) && existing is YamlMappingNode existingMap) Merge(existingMap, map);
            else target.Children[key] = value;
        }
    }

    public string Render(string template)
    {
        var tokens = Tokenize(template);
        var output = new StringBuilder();
        var position = 0;
        RenderBlock(tokens, ref position, output, emit: true, stopAtElse: false);
        if (position != tokens.Count) throw new FormatException($"Unexpected '{tokens[position].Action}' at top level.");
        return output.ToString();
    }

    private sealed record Token(string? Text, string? Action);

    /// <returns>The closing action ("end" or "else").</returns>
    private string? RenderBlock(List<Token> tokens, ref int position, StringBuilder output, bool emit, bool stopAtElse)
    {
        while (position < tokens.Count)
        {
            var token = tokens[position++];
            if (token.Text is not null)
            {
                if (emit) output.Append(token.Text);
                continue;
            }
            var action = token.Action!;
            if (action == "end") return "end";
            if (action == "else")
            {
                if (!stopAtElse) throw new FormatException("'else' outside an 'if'.");
                return "else";
            }
            if (action.StartsWith("if ", StringComparison.Ordinal))
            {
                var condition = emit && IsTruthy(Lookup(action[3..].Trim()));
                var closing = RenderBlock(tokens, ref position, output, emit && condition, stopAtElse: true);
                if (closing == "else") closing = RenderBlock(tokens, ref position, output, emit && !condition, stopAtElse: false);
                if (closing != "end") throw new FormatException($"'{action}' has no 'end'.");
                continue;
            }
            if (emit) output.Append(Evaluate(action));
        }
        return null;
    }

    private string Evaluate(string pipeline)
    {
        var stages = pipeline.Split('|').Select(s => s.Trim()).ToList();
        var first = stages[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string value = first switch
        {
            ["toYaml", var path] => ToYaml(Lookup(path)),
            [var path] => Scalar(Lookup(path)),
            _ => throw new FormatException($"Unsupported template expression '{stages[0]}'."),
        };
        foreach (var stage in stages.Skip(1))
        {
            var parts = stage.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            value = parts switch
            {
                ["quote"] => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"",
                ["nindent", var n] => "\n" + string.Join('\n', value.TrimEnd('\n').Split('\n').Select(l => new string(' ', int.Parse(n, CultureInfo.InvariantCulture)) + l)),
                _ => throw new FormatException($"Unsupported template function '{stage}'."),
            };
        }
        return value;
    }

    private YamlNode? Lookup(string path)
    {
        if (path == ".Release.Name") return new YamlScalarNode(releaseName);
        if (path == ".Release.Namespace") return new YamlScalarNode(releaseNamespace);
        if (!path.StartsWith(".Values.", StringComparison.Ordinal)) throw new FormatException($"Unsupported reference '{path}'.");
        YamlNode? node = values;
        foreach (var key in path[".Values.".Length..].Split('.'))
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out node)) return null;
        }
        return node;
    }

    /// <summary>Go template truthiness: false, 0, "", null and empty collections are false.</summary>
    private static bool IsTruthy(YamlNode? node) => node switch
    {
        null => false,
        YamlScalarNode scalar => scalar.Value is not (null or "" or "false" or "0" or "null" or "~"),
        YamlMappingNode map => map.Children.Count > 0,
        YamlSequenceNode list => list.Children.Count > 0,
        _ => true,
    };

    private static string Scalar(YamlNode? node) => node switch
    {
        null => throw new FormatException("A template refers to a value that values.yaml does not define."),
        YamlScalarNode scalar => scalar.Value ?? "",
        _ => throw new FormatException("A map or list printed as a scalar; use toYaml."),
    };

    private static string ToYaml(YamlNode? node)
    {
        if (node is null) throw new FormatException("toYaml of a value that values.yaml does not define.");
        var stream = new YamlStream(new YamlDocument(node));
        using var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        var text = writer.ToString();
        // YamlStream writes a document end marker ("...") after the document.
        return string.Join('\n', text.Split('\n').Where(l => l.Trim() != "...")).Trim('\n');
    }

    private static List<Token> Tokenize(string template)
    {
        var tokens = new List<Token>();
        var last = 0;
        var trimNext = false;
        foreach (Match match in ActionPattern().Matches(template))
        {
            var text = template[last..match.Index];
            if (trimNext) text = text.TrimStart();
            if (match.Groups["left"].Success) text = text.TrimEnd();
            tokens.Add(new Token(text, null));
            tokens.Add(new Token(null, match.Groups["body"].Value.Trim()));
            trimNext = match.Groups["right"].Success;
            last = match.Index + match.Length;
        }
        var rest = template[last..];
        tokens.Add(new Token(trimNext ? rest.TrimStart() : rest, null));
        return tokens;
    }

    [GeneratedRegex(@"\{\{(?<left>-\s)?\s*(?<body>.*?)\s*(?<right>\s-)?\}\}", RegexOptions.Singleline)]
    private static partial Regex ActionPattern();
}
