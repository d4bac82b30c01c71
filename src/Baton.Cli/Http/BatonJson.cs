using System.Text.Encodings.Web;
using System.Text.Json;

namespace Baton.Cli.Http;

/// <summary>The JSON settings of the REST API (camelCase web defaults), and the twins for printing.</summary>
public static class BatonJson
{
    public static JsonSerializerOptions Wire { get; } = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// What the CLI prints: plain UTF-8 (no <c>\u003E</c> for '&gt;' or <c>\u00E9</c> for 'é'; the HTML-safe
    /// default escaping guards web pages, not terminals and scripts), indented for people.
    /// </summary>
    public static JsonSerializerOptions Indented { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Like <see cref="Indented"/>, one document per line (NDJSON streams).</summary>
    public static JsonSerializerOptions Compact { get; } = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
