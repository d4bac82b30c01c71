using System.Text.Json;

namespace Baton.EndToEnd.Tests.Support;

public static class JsonItems
{
    /// <summary>The items of a CLI list printed with --json: a list response's <c>items</c>, or a bare array.</summary>
    public static IReadOnlyList<JsonElement> Of(string json)
    {
        var root = JsonDocument.Parse(json).RootElement;
        var array = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("items", out var items) ? items : root;
        return [.. array.EnumerateArray()];
    }
}
