using System.Text.Json;

namespace Baton.Cli.Http;

/// <summary>The JSON settings of the REST API (camelCase web defaults), and an indented twin for printing.</summary>
public static class BatonJson
{
    public static JsonSerializerOptions Wire { get; } = new(JsonSerializerDefaults.Web);

    public static JsonSerializerOptions Indented { get; } = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
