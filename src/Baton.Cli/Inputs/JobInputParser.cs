using System.Text.Json;
using Baton.Cli.Http;

namespace Baton.Cli.Inputs;

/// <summary>
/// Builds a job's inputs from <c>--inputs-file F.json</c> (a JSON object) and <c>--input k=v</c> pairs,
/// the pairs winning over the file and a later pair over an earlier one.
/// A value is sent as JSON when it is a JSON number, <c>true</c>/<c>false</c>, object, array or quoted
/// string (<c>count=3</c>, <c>tags=["a","b"]</c>, <c>id="007"</c>); anything else, including <c>null</c>
/// and an empty value, is sent as the literal string (<c>name=Ada</c>).
/// </summary>
public static class JobInputParser
{
    public static Dictionary<string, JsonElement> Parse(IEnumerable<string> pairs, string? inputsFileJson = null, string inputsFileName = "inputs file")
    {
        var inputs = inputsFileJson is null ? new Dictionary<string, JsonElement>(StringComparer.Ordinal) : ParseObject(inputsFileJson, inputsFileName);
        foreach (var pair in pairs)
        {
            var (key, value) = ParsePair(pair);
            inputs[key] = value;
        }
        return inputs;
    }

    /// <summary>Reads and merges an inputs file from disk; a missing or malformed file is a usage error.</summary>
    public static Dictionary<string, JsonElement> Parse(IEnumerable<string> pairs, FileInfo? inputsFile)
    {
        if (inputsFile is null) return Parse(pairs);
        if (!inputsFile.Exists) throw new UsageException($"--inputs-file: {inputsFile.FullName} does not exist.");
        return Parse(pairs, File.ReadAllText(inputsFile.FullName), inputsFile.Name);
    }

    public static (string Key, JsonElement Value) ParsePair(string pair)
    {
        var equals = pair.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0)
            throw new UsageException($"--input '{pair}' is not of the form key=value.");
        var key = pair[..equals].Trim();
        if (key.Length == 0)
            throw new UsageException($"--input '{pair}' has no key before '='.");
        return (key, ParseValue(pair[(equals + 1)..]));
    }

    /// <summary>The value as JSON when it is a JSON number, boolean, object, array or string literal, else as a string.</summary>
    public static JsonElement ParseValue(string text)
    {
        if (LooksLikeJson(text))
        {
            try
            {
                using var document = JsonDocument.Parse(text);
                if (document.RootElement.ValueKind != JsonValueKind.Null) return document.RootElement.Clone();
            }
            catch (JsonException)
            {
                // Not JSON after all: a plain string such as "1.2.3" or "{draft".
            }
        }
        return JsonSerializer.SerializeToElement(text, BatonJson.Wire.InfoOf<string>());
    }

    private static bool LooksLikeJson(string text)
    {
        var trimmed = text.AsSpan().Trim();
        if (trimmed.IsEmpty) return false;
        var first = trimmed[0];
        return first is '{' or '[' or '"' or '-' || char.IsAsciiDigit(first) || trimmed is "true" or "false";
    }

    private static Dictionary<string, JsonElement> ParseObject(string json, string sourceName)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new UsageException($"--inputs-file: {sourceName} is not valid JSON: {e.Message}");
        }
        if (root.ValueKind != JsonValueKind.Object)
            throw new UsageException($"--inputs-file: {sourceName} must hold a JSON object, not {root.ValueKind.ToString().ToLowerInvariant()}.");
        var inputs = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject()) inputs[property.Name] = property.Value.Clone();
        return inputs;
    }
}
