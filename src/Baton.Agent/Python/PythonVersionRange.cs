namespace Baton.Agent.Python;

/// <summary>
/// Local stand-in for <c>Baton.Core.Dispatch.RequirementMatcher.PythonVersionSatisfies</c> until that
/// lands: a range such as <c>&gt;=3.9,&lt;3.13</c> (operators <c>== != &gt;= &gt; &lt;= &lt;</c>; <c>==3.11</c>
/// matches every 3.11.x). Null or empty accepts any version.
/// </summary>
internal static class PythonVersionRange
{
    public static bool Satisfies(Version version, string? range)
    {
        if (string.IsNullOrWhiteSpace(range))
            return true;
        foreach (var rawClause in range.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var clause = rawClause.StartsWith("python", StringComparison.OrdinalIgnoreCase) ? rawClause[6..].Trim() : rawClause;
            var op = new[] { "==", "!=", ">=", "<=", ">", "<" }.FirstOrDefault(o => clause.StartsWith(o, StringComparison.Ordinal)) ?? "==";
            var text = clause.StartsWith(op, StringComparison.Ordinal) ? clause[op.Length..].Trim() : clause;
            var parts = text.Split('.');
            if (parts.Length is < 1 or > 3 || parts.Any(p => !int.TryParse(p, out _)))
                return false;
            var bound = parts.Select(int.Parse).ToArray();
            var actual = new[] { version.Major, version.Minor, Math.Max(0, version.Build) };
            var prefixEqual = bound.Select((b, i) => actual[i] == b).All(x => x);
            var comparison = Compare(actual, bound);
            var ok = op switch
            {
                "==" => prefixEqual,
                "!=" => !prefixEqual,
                ">=" => comparison >= 0,
                "<=" => comparison <= 0 || prefixEqual,
                ">" => comparison > 0 && !prefixEqual,
                "<" => comparison < 0,
                _ => false,
            };
            if (!ok)
                return false;
        }

        return true;
    }

    private static int Compare(int[] actual, int[] bound)
    {
        for (var i = 0; i < 3; i++)
        {
            var b = i < bound.Length ? bound[i] : 0;
            if (actual[i] != b)
                return actual[i].CompareTo(b);
        }

        return 0;
    }
}
