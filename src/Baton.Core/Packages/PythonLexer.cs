namespace Baton.Core.Packages;

/// <summary>
/// Just enough of Python's tokenizer to find statements: comments and string literals (every prefix, triple
/// quotes, escapes) are skipped, brackets and backslashes join physical lines into logical ones, and each logical
/// line keeps its indentation. Not a parser: tokens are names, operators, strings and numbers.
/// </summary>
internal static class PythonLexer
{
    public enum TokenKind
    {
        Name,
        Operator,
        String,
        Number,
    }

    public readonly record struct Token(TokenKind Kind, string Text)
    {
        public bool IsName => Kind == TokenKind.Name;
        public bool IsOperator => Kind == TokenKind.Operator;
        public bool Opens => Kind == TokenKind.Operator && Text is "(" or "[" or "{";
        public bool Closes => Kind == TokenKind.Operator && Text is ")" or "]" or "}";
        public bool Is(string op) => Kind == TokenKind.Operator && Text == op;
    }

    public sealed record Line(int Indent, IReadOnlyList<Token> Tokens);

    // Longest first, so `**=` is not read as `**` then `=`.
    private static readonly string[] Operators =
    [
        "**=", "//=", ">>=", "<<=", "...", ":=", "==", "!=", "<=", ">=", "->", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=",
        "**", "//", "<<", ">>",
    ];

    private static readonly HashSet<string> StringPrefixes = new(StringComparer.OrdinalIgnoreCase)
    {
        "r", "u", "f", "b", "t", "br", "rb", "fr", "rf", "tr", "rt",
    };

    public static IReadOnlyList<Line> LogicalLines(string source)
    {
        var lines = new List<Line>();
        var tokens = new List<Token>();
        var depth = 0;
        var indent = 0;
        var atLineStart = true;
        var i = 0;
        var n = source.Length;

        void EndLine()
        {
            if (tokens.Count > 0) lines.Add(new Line(indent, tokens.ToArray()));
            tokens.Clear();
            depth = 0;
        }

        while (i < n)
        {
            var c = source[i];
            if (atLineStart)
            {
                var column = 0;
                while (i < n && source[i] is ' ' or '\t' or '\f')
                {
                    column = source[i] switch { '\t' => ((column / 8) + 1) * 8, '\f' => 0, _ => column + 1 };
                    i++;
                }
                if (i >= n) break;
                if (source[i] is '\n' or '\r' or '#')
                {
                    while (i < n && source[i] != '\n') i++;
                    i++;
                    continue;
                }
                indent = column;
                atLineStart = false;
                continue;
            }
            if (c == '#')
            {
                while (i < n && source[i] != '\n') i++;
                continue;
            }
            if (c == '\\' && i + 1 < n && source[i + 1] is '\n' or '\r')
            {
                i += source[i + 1] == '\r' && i + 2 < n && source[i + 2] == '\n' ? 3 : 2;
                continue;
            }
            if (c is '\n' or '\r')
            {
                i++;
                if (depth == 0)
                {
                    EndLine();
                    atLineStart = true;
                }
                continue;
            }
            if (c is ' ' or '\t' or '\f')
            {
                i++;
                continue;
            }
            if (char.IsLetter(c) || c == '_')
            {
                var start = i;
                while (i < n && (char.IsLetterOrDigit(source[i]) || source[i] == '_')) i++;
                var word = source[start..i];
                if (i < n && source[i] is '\'' or '"' && StringPrefixes.Contains(word))
                {
                    i = SkipString(source, i);
                    tokens.Add(new Token(TokenKind.String, "\"\""));
                    continue;
                }
                tokens.Add(new Token(TokenKind.Name, word));
                continue;
            }
            if (c is '\'' or '"')
            {
                i = SkipString(source, i);
                tokens.Add(new Token(TokenKind.String, "\"\""));
                continue;
            }
            if (char.IsDigit(c) || (c == '.' && i + 1 < n && char.IsDigit(source[i + 1])))
            {
                var start = i;
                while (i < n && (char.IsLetterOrDigit(source[i]) || source[i] is '_' or '.'
                    || (source[i] is '+' or '-' && source[i - 1] is 'e' or 'E' && !source.AsSpan(start, i - start).StartsWith("0x", StringComparison.OrdinalIgnoreCase)))) i++;
                tokens.Add(new Token(TokenKind.Number, source[start..i]));
                continue;
            }
            var op = Operators.FirstOrDefault(o => string.CompareOrdinal(source, i, o, 0, o.Length) == 0) ?? source.Substring(i, 1);
            if (op is "(" or "[" or "{") depth++;
            else if (op is ")" or "]" or "}") depth = Math.Max(0, depth - 1);
            tokens.Add(new Token(TokenKind.Operator, op));
            i += op.Length;
        }
        EndLine();
        return lines;
    }

    /// <summary>The index just past the string literal whose opening quote is at <paramref name="quoteAt"/>.</summary>
    private static int SkipString(string source, int quoteAt)
    {
        var quote = source[quoteAt];
        var n = source.Length;
        var triple = quoteAt + 2 < n && source[quoteAt + 1] == quote && source[quoteAt + 2] == quote;
        var i = quoteAt + (triple ? 3 : 1);
        while (i < n)
        {
            var c = source[i];
            // In raw strings too, a backslash keeps the next quote from closing the literal.
            if (c == '\\')
            {
                i += 2;
                continue;
            }
            if (!triple && c is '\n' or '\r') return i;
            if (c == quote)
            {
                if (!triple) return i + 1;
                if (i + 2 < n && source[i + 1] == quote && source[i + 2] == quote) return i + 3;
            }
            i++;
        }
        return n;
    }
}
