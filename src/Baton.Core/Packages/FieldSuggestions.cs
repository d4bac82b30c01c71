namespace Baton.Core.Packages;

/// <summary>Suggests the field a typo meant: <c>nmae</c> → "did you mean 'name'?".</summary>
internal static class FieldSuggestions
{
    public static string Hint(string typo, IEnumerable<string> known)
    {
        var best = known.Select(k => (Key: k, Distance: Distance(typo.ToLowerInvariant(), k)))
            .Where(c => c.Distance <= Math.Max(1, c.Key.Length / 3))
            .OrderBy(c => c.Distance)
            .FirstOrDefault();
        return best.Key is null ? "" : $" (did you mean '{best.Key}'?)";
    }

    /// <summary>
    /// Edits between two words, a swap of two neighbouring letters counting as one (optimal string alignment):
    /// the commonest typo, <c>nmae</c> for <c>name</c>, is then one edit away, not two.
    /// </summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
