namespace Baton.Core.Dispatch;

/// <summary>
/// One job requirement: <c>key</c> (label present), <c>key=value</c>, <c>key!=value</c>, or a
/// version range such as <c>python&gt;=3.11</c> or <c>python&gt;=3.9,&lt;3.13</c> (operators
/// <c>== != &gt;= &gt; &lt;= &lt;</c>; <c>==3.11</c> matches every 3.11.x). Keys are case-insensitive.
/// A multi-valued label (several Pythons) matches when any one value satisfies the whole requirement.
/// </summary>
public sealed record Requirement
{
    public required string Key { get; init; }
    public required string Text { get; init; }

    public static bool TryParse(string text, out Requirement? requirement, out string? error) => throw new NotImplementedException();

    public bool IsSatisfiedBy(CapabilitySet capabilities) => throw new NotImplementedException();

    public override string ToString() => Text;
}

public static class RequirementMatcher
{
    /// <summary>The first requirement the agent does not meet, or null when it meets them all.</summary>
    public static Requirement? FirstUnmet(CapabilitySet capabilities, IEnumerable<Requirement> requirements) =>
        throw new NotImplementedException();

    /// <summary>Whether a Python version (e.g. <c>3.11.7</c>) lies in a range such as <c>&gt;=3.9,&lt;3.13</c>; null or empty accepts any.</summary>
    public static bool PythonVersionSatisfies(string version, string? range) => throw new NotImplementedException();
}
