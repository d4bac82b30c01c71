namespace Baton.Core.Dispatch;

/// <summary>
/// One job requirement: <c>key</c> (label present), <c>key=value</c>, <c>key!=value</c>, or a
/// version range such as <c>python&gt;=3.11</c> or <c>python&gt;=3.9,&lt;3.13</c> (operators
/// <c>== != &gt;= &gt; &lt;= &lt;</c>; <c>==3.11</c> matches every 3.11.x). Keys are case-insensitive.
/// A multi-valued label (several Pythons) matches when any one value satisfies the whole requirement.
/// An agent without the label meets a requirement only when all its clauses are <c>!=</c>.
/// </summary>
public sealed record Requirement
{
    // The parsed clauses, kept with the text they came from so a `with` copy never matches stale clauses.
    private ParsedRequirement? _parsed;

    public required string Key { get; init; }
    public required string Text { get; init; }

    public static bool TryParse(string text, out Requirement? requirement, out string? error)
    {
        requirement = null;
        if (!ParsedRequirement.TryParse(text, out var parsed, out error)) return false;
        requirement = new Requirement { Key = parsed!.Key, Text = parsed.Source, _parsed = parsed };
        return true;
    }

    public bool IsSatisfiedBy(CapabilitySet capabilities)
    {
        var parsed = _parsed is { } cached && ReferenceEquals(cached.Source, Text) ? cached : Reparse();
        if (parsed is null) return false;
        if (!capabilities.Labels.TryGetValue(parsed.Key, out var values) || values.Count == 0)
        {
            return parsed.Range is { OnlyExcludes: true };
        }
        return parsed.Range is null || values.Any(parsed.Range.IsSatisfiedBy);
    }

    public bool Equals(Requirement? other) =>
        other is not null && string.Equals(Key, other.Key, StringComparison.Ordinal) && string.Equals(Text, other.Text, StringComparison.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Key, Text);

    public override string ToString() => Text;

    private ParsedRequirement? Reparse()
    {
        _parsed = ParsedRequirement.TryParse(Text, out var parsed, out _) ? parsed : null;
        return _parsed;
    }

    private sealed record ParsedRequirement(string Key, VersionRange? Range, string Source)
    {
        private const int MaxLength = 256;

        public static bool TryParse(string? text, out ParsedRequirement? parsed, out string? error)
        {
            parsed = null;
            var trimmed = text?.Trim() ?? "";
            if (trimmed.Length == 0)
            {
                error = "requirement is empty";
                return false;
            }
            if (trimmed.Length > MaxLength)
            {
                error = $"requirement is longer than {MaxLength} characters";
                return false;
            }
            var keyLength = 0;
            while (keyLength < trimmed.Length && IsKeyChar(trimmed[keyLength])) keyLength++;
            if (keyLength == 0)
            {
                error = $"requirement '{trimmed}' has no key (keys use letters, digits, '-', '_', '.', '/')";
                return false;
            }
            var key = trimmed[..keyLength].ToLowerInvariant();
            var rest = trimmed[keyLength..].TrimStart();
            if (rest.Length == 0)
            {
                parsed = new ParsedRequirement(key, null, trimmed);
                error = null;
                return true;
            }
            if (char.IsWhiteSpace(trimmed[keyLength]) && rest[0] is not ('=' or '!' or '<' or '>'))
            {
                error = $"requirement '{trimmed}' needs an operator (= != == >= > <= <) after '{trimmed[..keyLength]}'";
                return false;
            }
            if (rest[0] is not ('=' or '!' or '<' or '>'))
            {
                error = $"requirement '{trimmed}': '{rest[0]}' is not allowed in a key (keys use letters, digits, '-', '_', '.', '/')";
                return false;
            }
            if (!VersionRange.TryParse(rest, $"requirement '{trimmed}'", versionsOnly: false, out var range, out error)) return false;
            parsed = new ParsedRequirement(key, range, trimmed);
            return true;
        }

        private static bool IsKeyChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/';
    }
}

public static class RequirementMatcher
{
    /// <summary>The first requirement the agent does not meet, or null when it meets them all.</summary>
    public static Requirement? FirstUnmet(CapabilitySet capabilities, IEnumerable<Requirement> requirements) =>
        requirements.FirstOrDefault(r => !r.IsSatisfiedBy(capabilities));

    /// <summary>Whether a Python version (e.g. <c>3.11.7</c>) lies in a range such as <c>&gt;=3.9,&lt;3.13</c>; null or empty accepts any.</summary>
    public static bool PythonVersionSatisfies(string version, string? range)
    {
        if (string.IsNullOrWhiteSpace(range)) return true;
        if (!DottedVersion.TryParse(version?.Trim(), out _)) return false;
        return TryParsePythonRange(range, out var parsed, out _) && parsed!.IsSatisfiedBy(version!.Trim());
    }

    /// <summary>Validates a Python version range such as <c>&gt;=3.9,&lt;3.13</c>; the error says what is wrong.</summary>
    public static bool IsValidPythonRange(string range, out string? error) => TryParsePythonRange(range, out _, out error);

    internal static bool TryParsePythonRange(string range, out VersionRange? parsed, out string? error) =>
        VersionRange.TryParse(range.Trim(), $"python range '{range.Trim()}'", versionsOnly: true, out parsed, out error);
}
