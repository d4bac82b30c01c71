namespace Baton.Core.Dispatch;

/// <summary>
/// What an agent offers, as multi-valued labels: <c>os</c>, <c>arch</c>, <c>python</c> (one value per
/// interpreter version found) and the agent's own labels. Keys are lower-cased; an agent label with
/// the same key as a built-in one (say <c>python=3.13</c>) adds a value, it never replaces one.
/// </summary>
public sealed class CapabilitySet
{
    public CapabilitySet(IReadOnlyDictionary<string, IReadOnlyList<string>> labels) => Labels = Merge(labels);

    public IReadOnlyDictionary<string, IReadOnlyList<string>> Labels { get; }

    public static CapabilitySet Empty { get; } = new(new Dictionary<string, IReadOnlyList<string>>());

    public static CapabilitySet From(string os, string arch, IEnumerable<string> pythonVersions, IReadOnlyDictionary<string, string> labels)
    {
        List<KeyValuePair<string, IReadOnlyList<string>>> all =
        [
            new("os", [os]),
            new("arch", [arch]),
            new("python", [.. pythonVersions]),
            .. labels.Select(l => new KeyValuePair<string, IReadOnlyList<string>>(l.Key, [l.Value])),
        ];
        return new CapabilitySet(Merge(all));
    }

    private static Dictionary<string, IReadOnlyList<string>> Merge(IEnumerable<KeyValuePair<string, IReadOnlyList<string>>> labels)
    {
        var merged = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (rawKey, rawValues) in labels)
        {
            var key = rawKey?.Trim().ToLowerInvariant();
            if (string.IsNullOrEmpty(key)) continue;
            if (!merged.TryGetValue(key, out var list)) merged[key] = list = [];
            foreach (var value in rawValues ?? [])
            {
                if (value is null) continue;
                var trimmed = value.Trim();
                // Built-in keys with no real value (an agent that found no Python) carry no entry.
                if (trimmed.Length == 0 && key is "os" or "arch" or "python") continue;
                if (!list.Contains(trimmed, StringComparer.OrdinalIgnoreCase)) list.Add(trimmed);
            }
        }
        return merged.Where(kv => kv.Value.Count > 0)
            .ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)kv.Value.AsReadOnly(), StringComparer.Ordinal);
    }
}
