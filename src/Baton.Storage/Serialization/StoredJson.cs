using System.Text.Json;

namespace Baton.Storage.Serialization;

/// <summary>
/// The one JSON shape for values a backend keeps in JSON columns (capabilities, manifests,
/// quota overrides, inputs, results, progress). Shared by every backend so data can move between them.
/// </summary>
internal static class StoredJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Options)
        ?? throw new InvalidDataException($"Stored JSON for {typeof(T).Name} is null.");

    public static T? DeserializeOrNull<T>(string? json) where T : class =>
        json is null ? null : JsonSerializer.Deserialize<T>(json, Options);

    public static string ToText(JsonElement element) => element.GetRawText();

    public static string? ToText(JsonElement? element) => element?.GetRawText();

    // One parse into an element that owns its memory (a page of 50 jobs parses two columns per row): parsing into a
    // pooled document and cloning its root copied every value a second time.
    public static JsonElement ParseElement(string json) => JsonElement.Parse(json);

    public static JsonElement? ParseElementOrNull(string? json) => json is null ? null : ParseElement(json);
}
