namespace Baton.Core.Packages;

/// <summary>
/// YamlDotNet's scanner recurses per nesting level, so a hostile manifest such as 100,000 <c>[</c>
/// overflows the stack and kills the process (a stack overflow cannot be caught). This estimates
/// nesting from the raw text, erring high, and refuses anything no real manifest would need.
/// </summary>
internal static class YamlNestingGuard
{
    public const int MaxFlowDepth = 64;
    public const int MaxBlockIndent = 256;

    /// <summary>Null when the text is shallow enough to parse, else the reason it is refused.</summary>
    public static string? Check(string yaml)
    {
        var flowDepth = 0;
        var lineNumber = 1;
        var lineStart = true;
        var indent = 0;
        for (var i = 0; i < yaml.Length; i++)
        {
            var c = yaml[i];
            if (c == '\n')
            {
                lineNumber++;
                lineStart = true;
                indent = 0;
                continue;
            }
            if (lineStart)
            {
                // Leading spaces and block indicators ("- ", "? ", ": ") each open a level at most.
                if (c is ' ' or '\t' || (c is '-' or '?' or ':' && i + 1 < yaml.Length && yaml[i + 1] is ' ' or '\t'))
                {
                    if (++indent > MaxBlockIndent) return $"line {lineNumber} is nested too deeply (more than {MaxBlockIndent} levels of indentation)";
                    continue;
                }
                lineStart = false;
            }
            if (c is '[' or '{')
            {
                if (++flowDepth > MaxFlowDepth) return $"line {lineNumber} nests more than {MaxFlowDepth} levels of [ ] or {{ }}";
            }
            else if (c is ']' or '}' && flowDepth > 0)
            {
                flowDepth--;
            }
        }
        return null;
    }
}
