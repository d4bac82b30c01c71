using System.Text.RegularExpressions;

namespace Baton.Core.Dispatch;

/// <summary>Agent group names, and which queues a group serves.</summary>
public static partial class AgentGroupNames
{
    public const string Default = "default";
    public const string Rule = "1-63 lower-case letters, digits, '-' or '_', starting with a letter or digit";

    public static bool IsValid(string? name) => name is not null && Pattern().IsMatch(name);

    /// <summary>A queue with no groups listed is served by every group.</summary>
    public static bool Serves(IReadOnlyList<string> queueGroups, string agentGroup) =>
        queueGroups.Count == 0 || queueGroups.Contains(agentGroup, StringComparer.Ordinal);

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,62}$")]
    private static partial Regex Pattern();
}
