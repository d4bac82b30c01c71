using System.Text.RegularExpressions;

namespace Baton.Core.Packages;

/// <summary>Python identifiers and dotted module paths (ASCII only), as manifests use them.</summary>
public static partial class PythonNames
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
        "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in",
        "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
    };

    public static bool IsIdentifier(string? text) => text is not null && IdentifierPattern().IsMatch(text) && !Keywords.Contains(text);

    /// <summary><c>main</c>, <c>pkg.jobs.nightly</c>: identifiers joined by dots.</summary>
    public static bool IsModulePath(string? text) =>
        !string.IsNullOrEmpty(text) && text.Split('.').All(IsIdentifier);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdentifierPattern();
}
