using System.Text.RegularExpressions;

namespace Baton.Server.Queues;

/// <summary>Queue names follow the package name rules: at most 100 of a-z, 0-9, '.', '_', '-', starting with a letter or digit.</summary>
public static partial class QueueNames
{
    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    public const string Rule = "use at most 100 lower-case letters, digits, '-', '_' and '.', starting with a letter or digit";

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
