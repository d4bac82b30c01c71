using System.Text.Json;

namespace Baton.Server.Tests.Api;

/// <summary>
/// Reading an OpenAPI 3.1 document as a client generator does: every property a schema names, and whether a real
/// answer fits its documented schema (no member the schema leaves out, no JSON type it does not allow).
/// </summary>
internal static class OpenApiShapes
{
    public static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    /// <summary>Every operation as (METHOD path, the operation).</summary>
    public static IEnumerable<(string Method, string Path, JsonElement Operation)> Operations(JsonElement root) =>
        from path in root.GetProperty("paths").EnumerateObject()
        from method in path.Value.EnumerateObject()
        where Methods.Contains(method.Name)
        select (method.Name, path.Name, method.Value);

    /// <summary>Every property name any schema declares, with the JSON pointer of the schema that declares it.</summary>
    public static IEnumerable<(string Where, string Name)> PropertyNames(JsonElement node, string where = "#")
    {
        if (node.ValueKind == JsonValueKind.Object)
        {
            foreach (var member in node.EnumerateObject())
            {
                if (member.Name == "properties" && member.Value.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in member.Value.EnumerateObject()) yield return (where, property.Name);
                }
                foreach (var found in PropertyNames(member.Value, where + "/" + member.Name)) yield return found;
            }
        }
        else if (node.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var item in node.EnumerateArray())
            {
                foreach (var found in PropertyNames(item, $"{where}/{index}")) yield return found;
                index++;
            }
        }
    }

    /// <summary>Where <paramref name="value"/> does not fit <paramref name="schema"/>, as "path: what" lines (none when it fits).</summary>
    public static List<string> Misfits(JsonElement value, JsonElement schema, JsonElement root)
    {
        var misfits = new List<string>();
        Check(value, schema, root, "$", misfits, 0);
        return misfits;
    }

    private static void Check(JsonElement value, JsonElement schema, JsonElement root, string path, List<string> misfits, int depth)
    {
        if (depth > 40) return;
        schema = Resolve(schema, root);
        foreach (var keyword in new[] { "oneOf", "anyOf" })
        {
            if (!schema.TryGetProperty(keyword, out var options)) continue;
            var fitting = options.EnumerateArray().Select(o => Resolve(o, root)).Where(o => TypeFits(value, o)).ToList();
            if (fitting.Count == 0) misfits.Add($"{path}: a {value.ValueKind} fits none of its {keyword}");
            else Check(value, fitting[0], root, path, misfits, depth + 1);
            return;
        }
        if (!TypeFits(value, schema))
        {
            misfits.Add($"{path}: a {value.ValueKind} where the schema allows {schema.GetProperty("type")}");
            return;
        }
        if (value.ValueKind == JsonValueKind.Object)
        {
            var hasProperties = schema.TryGetProperty("properties", out var properties);
            var hasExtra = schema.TryGetProperty("additionalProperties", out var extra) && extra.ValueKind == JsonValueKind.Object;
            foreach (var member in value.EnumerateObject())
            {
                if (hasProperties && properties.TryGetProperty(member.Name, out var declared)) Check(member.Value, declared, root, $"{path}.{member.Name}", misfits, depth + 1);
                else if (hasExtra) Check(member.Value, extra, root, $"{path}.{member.Name}", misfits, depth + 1);
                else if (hasProperties) misfits.Add($"{path}.{member.Name}: not in the schema");
            }
        }
        else if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            var index = 0;
            foreach (var item in value.EnumerateArray()) Check(item, items, root, $"{path}[{index++}]", misfits, depth + 1);
        }
    }

    /// <summary>A <c>$ref</c> (a JSON pointer into the document) followed to its schema, as many times as it takes.</summary>
    public static JsonElement Resolve(JsonElement schema, JsonElement root)
    {
        for (var hops = 0; hops < 20 && schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("$ref", out var reference); hops++)
        {
            var target = root;
            foreach (var segment in reference.GetString()!.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                target = target.GetProperty(segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
            }
            schema = target;
        }
        return schema;
    }

    private static bool TypeFits(JsonElement value, JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("type", out var type)) return true;
        var allowed = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()).ToHashSet() : [type.GetString()];
        return value.ValueKind switch
        {
            JsonValueKind.Object => allowed.Contains("object"),
            JsonValueKind.Array => allowed.Contains("array"),
            JsonValueKind.String => allowed.Contains("string"),
            JsonValueKind.Number => allowed.Contains("number") || (allowed.Contains("integer") && value.TryGetInt64(out _)),
            JsonValueKind.True or JsonValueKind.False => allowed.Contains("boolean"),
            JsonValueKind.Null => allowed.Contains("null"),
            _ => false,
        };
    }
}
