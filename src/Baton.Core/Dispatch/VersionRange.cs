namespace Baton.Core.Dispatch;

/// <summary>The comparison operators a requirement clause may use.</summary>
internal enum ComparisonOperator
{
    Equal,
    NotEqual,
    GreaterOrEqual,
    Greater,
    LessOrEqual,
    Less,
}

/// <summary>One <c>operator value</c> clause, e.g. <c>&gt;=3.9</c> or <c>=linux</c>.</summary>
internal sealed record VersionClause(ComparisonOperator Operator, string Value, DottedVersion? Version)
{
    public bool IsOrdering => Operator is ComparisonOperator.GreaterOrEqual or ComparisonOperator.Greater
        or ComparisonOperator.LessOrEqual or ComparisonOperator.Less;

    /// <summary>
    /// Versions compare numerically (<c>==3.11</c> on the given prefix); anything else compares as
    /// case-insensitive text, and only for equality.
    /// </summary>
    public bool IsSatisfiedBy(string candidate)
    {
        var candidateVersion = Version is null ? null : DottedVersion.TryParse(candidate, out var parsed) ? parsed : null;
        if (Version is not null && candidateVersion is not null)
        {
            return Operator switch
            {
                ComparisonOperator.Equal => candidateVersion.MatchesPrefix(Version),
                ComparisonOperator.NotEqual => !candidateVersion.MatchesPrefix(Version),
                ComparisonOperator.GreaterOrEqual => candidateVersion.CompareTo(Version) >= 0,
                ComparisonOperator.Greater => candidateVersion.CompareTo(Version) > 0,
                ComparisonOperator.LessOrEqual => candidateVersion.CompareTo(Version) <= 0,
                ComparisonOperator.Less => candidateVersion.CompareTo(Version) < 0,
                _ => false,
            };
        }
        return Operator switch
        {
            ComparisonOperator.Equal => string.Equals(candidate, Value, StringComparison.OrdinalIgnoreCase),
            ComparisonOperator.NotEqual => !string.Equals(candidate, Value, StringComparison.OrdinalIgnoreCase),
            _ => false,
        };
    }
}

/// <summary>
/// A comma-separated list of clauses that must all hold, such as <c>&gt;=3.9,&lt;3.13</c> or
/// <c>=linux</c>. Used for requirement values and for a manifest's Python range.
/// </summary>
internal sealed class VersionRange
{
    private VersionRange(IReadOnlyList<VersionClause> clauses) => Clauses = clauses;

    public IReadOnlyList<VersionClause> Clauses { get; }

    /// <summary>Every clause is <c>!=</c>: an agent without the label cannot violate it.</summary>
    public bool OnlyExcludes => Clauses.All(c => c.Operator == ComparisonOperator.NotEqual);

    public bool IsSatisfiedBy(string candidate) => Clauses.All(c => c.IsSatisfiedBy(candidate));

    /// <summary>
    /// Parses clauses. <paramref name="subject"/> names the whole text in errors (e.g.
    /// <c>requirement 'python&gt;='</c>); with <paramref name="versionsOnly"/> every value must be a version.
    /// </summary>
    public static bool TryParse(string text, string subject, bool versionsOnly, out VersionRange? range, out string? error)
    {
        range = null;
        var clauses = new List<VersionClause>();
        foreach (var rawClause in text.Split(','))
        {
            var clause = rawClause.Trim();
            if (clause.Length == 0)
            {
                error = $"{subject} has an empty clause";
                return false;
            }
            if (!TryReadOperator(clause, out var op, out var operatorLength))
            {
                error = $"{subject}: '{clause}' does not start with one of = == != >= > <= <";
                return false;
            }
            var value = clause[operatorLength..].Trim();
            var isOrdering = op is not (ComparisonOperator.Equal or ComparisonOperator.NotEqual);
            if (value.Length == 0)
            {
                error = versionsOnly || isOrdering ? $"{subject} has no version" : $"{subject} has no value";
                return false;
            }
            if (value.Any(c => char.IsWhiteSpace(c) || c is '<' or '>' or '=' or '!'))
            {
                error = $"{subject}: '{value}' is not a valid value";
                return false;
            }
            var isVersion = DottedVersion.TryParse(value, out var version);
            if (!isVersion && (versionsOnly || isOrdering))
            {
                error = $"{subject}: '{value}' is not a version (expected digits and dots, e.g. 3.11)";
                return false;
            }
            clauses.Add(new VersionClause(op, value, version));
        }
        range = new VersionRange(clauses);
        error = null;
        return true;
    }

    private static bool TryReadOperator(string clause, out ComparisonOperator op, out int length)
    {
        (op, length) = clause switch
        {
            _ when clause.StartsWith("==", StringComparison.Ordinal) => (ComparisonOperator.Equal, 2),
            _ when clause.StartsWith("!=", StringComparison.Ordinal) => (ComparisonOperator.NotEqual, 2),
            _ when clause.StartsWith(">=", StringComparison.Ordinal) => (ComparisonOperator.GreaterOrEqual, 2),
            _ when clause.StartsWith("<=", StringComparison.Ordinal) => (ComparisonOperator.LessOrEqual, 2),
            _ when clause.StartsWith('=') => (ComparisonOperator.Equal, 1),
            _ when clause.StartsWith('>') => (ComparisonOperator.Greater, 1),
            _ when clause.StartsWith('<') => (ComparisonOperator.Less, 1),
            _ => (ComparisonOperator.Equal, 0),
        };
        return length > 0;
    }
}
