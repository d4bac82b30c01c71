using System.Text.Json;
using Baton.Cli.Http;

namespace Baton.Cli.Output;

/// <summary>JSON for scripts: the API's camelCase shape, indented, one document per call.</summary>
public static class JsonOutput
{
    public static void Write<T>(TextWriter writer, T value) =>
        writer.WriteLine(JsonSerializer.Serialize(value, BatonJson.Indented.InfoOf<T>()));

    /// <summary>One compact document per line (NDJSON), for streams such as followed logs.</summary>
    public static void WriteLine<T>(TextWriter writer, T value) =>
        writer.WriteLine(JsonSerializer.Serialize(value, BatonJson.Compact.InfoOf<T>()));

    /// <summary>A JSON value as indented text (results, inputs) for people.</summary>
    public static string Format(JsonElement value) => JsonSerializer.Serialize(value, BatonJson.Indented.InfoOf<JsonElement>());
}
