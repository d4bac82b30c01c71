using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Baton.Cli.Http;

/// <summary>
/// The JSON settings of the REST API (camelCase web defaults), and the twins for printing. Their types' code comes
/// from <see cref="CliJsonContext"/>; a type it lacks falls back to reflection where the runtime has it (not in the
/// native CLI).
/// </summary>
public static class BatonJson
{
    public static JsonSerializerOptions Wire { get; } = Resolved(new(JsonSerializerDefaults.Web));

    /// <summary>
    /// What the CLI prints: plain UTF-8 (no <c>\u003E</c> for '&gt;' or <c>\u00E9</c> for 'é'; the HTML-safe
    /// default escaping guards web pages, not terminals and scripts), indented for people.
    /// </summary>
    public static JsonSerializerOptions Indented { get; } = Resolved(new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <summary>Like <see cref="Indented"/>, one document per line (NDJSON streams).</summary>
    public static JsonSerializerOptions Compact { get; } = Resolved(new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>Lines of a JSON Lines file the user wrote: the wire's shape, and a misspelt field ("inputz") is an error, not a silently ignored key.</summary>
    public static JsonSerializerOptions Lines { get; } = Resolved(new(JsonSerializerDefaults.Web) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow });

    /// <summary>The code for <typeparamref name="T"/> under <paramref name="options"/>.</summary>
    public static JsonTypeInfo<T> InfoOf<T>(this JsonSerializerOptions options) => (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));

    /// <summary><paramref name="options"/> with the CLI's types, read-only.</summary>
    internal static JsonSerializerOptions Resolved(JsonSerializerOptions options)
    {
        options.TypeInfoResolver = JsonSerializer.IsReflectionEnabledByDefault
#pragma warning disable IL2026, IL3050 // Only where reflection is enabled (not in the native CLI): for types CliJsonContext lacks.
            ? JsonTypeInfoResolver.Combine(CliJsonContext.Default, new DefaultJsonTypeInfoResolver())
#pragma warning restore IL2026, IL3050
            : CliJsonContext.Default;
        options.MakeReadOnly();
        return options;
    }
}
