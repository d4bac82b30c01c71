using System.Text.Json;
using System.Text.Json.Nodes;

namespace Baton.Core.Audit;

/// <summary>
/// The summary an audit entry carries: what a new object holds (<c>{"created": {…}}</c>), what a change changed
/// (<c>{"changes": {"field": {"from": …, "to": …}}}</c>), or what a deleted object held (<c>{"deleted": {…}}</c>).
/// Secret fields never show a value: a new or deleted one reads <c>"(secret)"</c>, a changed one <c>{"changed": true}</c>.
/// Long texts are cut so an entry stays small whatever was sent.
/// </summary>
public static class AuditSummary
{
    public const string SecretMark = "(secret)";
    public const int MaxTextLength = 200;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static JsonElement Created(IReadOnlyDictionary<string, object?> fields, IReadOnlySet<string> secretFields) =>
        Wrap("created", Snapshot(fields, secretFields));

    public static JsonElement Deleted(IReadOnlyDictionary<string, object?> fields, IReadOnlySet<string> secretFields) =>
        Wrap("deleted", Snapshot(fields, secretFields));

    /// <summary>The fields whose value differs; empty <c>changes</c> when nothing did (see <see cref="HasChanges"/>).</summary>
    public static JsonElement Changes(IReadOnlyDictionary<string, object?> before, IReadOnlyDictionary<string, object?> after, IReadOnlySet<string> secretFields)
    {
        var changes = new JsonObject();
        foreach (var field in before.Keys.Union(after.Keys).Order(StringComparer.Ordinal))
        {
            var from = ToNode(before.GetValueOrDefault(field));
            var to = ToNode(after.GetValueOrDefault(field));
            if (JsonNode.DeepEquals(from, to)) continue;
            changes[field] = secretFields.Contains(field)
                ? new JsonObject { ["changed"] = true }
                : new JsonObject { ["from"] = Cut(from), ["to"] = Cut(to) };
        }
        return Wrap("changes", changes);
    }

    public static bool HasChanges(JsonElement summary) =>
        !summary.TryGetProperty("changes", out var changes) || changes.EnumerateObject().Any();

    private static JsonObject Snapshot(IReadOnlyDictionary<string, object?> fields, IReadOnlySet<string> secretFields)
    {
        var snapshot = new JsonObject();
        foreach (var (field, value) in fields.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            snapshot[field] = secretFields.Contains(field) ? (value is null ? null : JsonValue.Create(SecretMark)) : Cut(ToNode(value));
        }
        return snapshot;
    }

    private static JsonNode? ToNode(object? value) => value is null ? null : JsonSerializer.SerializeToNode(value, Json);

    /// <summary>Texts past <see cref="MaxTextLength"/> keep their start and say how long they were; arrays and objects likewise stay bounded.</summary>
    private static JsonNode? Cut(JsonNode? node)
    {
        if (node is null) return null;
        var text = node.ToJsonString();
        if (text.Length <= MaxTextLength) return node;
        return node is JsonValue value && value.TryGetValue<string>(out var s)
            ? JsonValue.Create($"{s[..MaxTextLength]}… ({s.Length} characters)")
            : JsonValue.Create($"{text[..MaxTextLength]}… ({text.Length} characters of JSON)");
    }

    private static JsonElement Wrap(string key, JsonObject body) => JsonSerializer.SerializeToElement(new JsonObject { [key] = body });
}
