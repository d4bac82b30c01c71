namespace Baton.Core.Packages;

/// <summary>
/// The names a Python module binds at its top level, read from its source without running it: the server has no
/// Python of its own, and importing a package's code on upload would run that code where it must not run.
/// </summary>
/// <param name="Bound">Every name a top-level statement binds (def, class, import, assignment, for, with … as).</param>
/// <param name="Functions">The top-level <c>def</c> names in source order, for "did you mean" suggestions.</param>
/// <param name="Dynamic">
/// Why the module may bind names a static read cannot see (<c>from x import *</c>, a module <c>__getattr__</c>,
/// <c>globals()</c>, <c>exec</c>, <c>setattr</c>, <c>sys.modules</c>), or null when the read is complete.
/// </param>
public sealed record PythonModuleNames(IReadOnlySet<string> Bound, IReadOnlyList<string> Functions, string? Dynamic)
{
    /// <summary>False only when the module certainly does not bind <paramref name="name"/> at its top level.</summary>
    public bool MayBind(string name) => Dynamic is not null || Bound.Contains(name);

    /// <summary>Reads <paramref name="source"/> (Python 3 text). Never throws: unusual code only widens what may be bound.</summary>
    public static PythonModuleNames Read(string source) => new PythonModuleReader(PythonLexer.LogicalLines(source)).Read();
}

/// <summary>Walks logical lines, tracking which ones sit inside a def or class body (those bind nothing at module level).</summary>
internal sealed class PythonModuleReader(IReadOnlyList<PythonLexer.Line> lines)
{
    private static readonly HashSet<string> BlockKeywords = new(StringComparer.Ordinal)
    {
        "if", "elif", "else", "for", "while", "try", "except", "finally", "with", "def", "class", "async",
    };

    private static readonly HashSet<string> SoftBlockKeywords = new(StringComparer.Ordinal) { "match", "case" };

    /// <summary>Names that let a module bind attributes under computed names.</summary>
    private static readonly HashSet<string> DynamicNames = new(StringComparer.Ordinal) { "globals", "exec", "setattr", "vars", "__dict__" };

    private readonly HashSet<string> _bound = new(StringComparer.Ordinal);
    private readonly List<string> _functions = [];
    private string? _dynamic;

    public PythonModuleNames Read()
    {
        // Open blocks by their header's indentation; a def or class body is a scope of its own.
        var blocks = new List<(int Indent, bool IsScope)>();
        foreach (var line in lines)
        {
            NoteDynamicUse(line.Tokens);
            while (blocks.Count > 0 && blocks[^1].Indent >= line.Indent) blocks.RemoveAt(blocks.Count - 1);
            var inScope = blocks.Exists(b => b.IsScope);
            foreach (var statement in SplitTopLevel(line.Tokens, ";"))
            {
                if (statement.Count == 0) continue;
                if (IsBlockHeader(statement, out var colon))
                {
                    var body = statement.Skip(colon + 1).ToList();
                    var opensScope = IsDefOrClass(statement);
                    if (!inScope) BindHeader(statement.Take(colon).ToList());
                    if (body.Count == 0) blocks.Add((line.Indent, opensScope));
                    else if (!inScope && !opensScope) BindStatement(body);
                    continue;
                }
                if (!inScope) BindStatement(statement);
            }
        }
        return new PythonModuleNames(_bound, _functions, _dynamic);
    }

    private void NoteDynamicUse(IReadOnlyList<PythonLexer.Token> tokens)
    {
        for (var i = 0; i < tokens.Count && _dynamic is null; i++)
        {
            if (!tokens[i].IsName) continue;
            if (DynamicNames.Contains(tokens[i].Text)) _dynamic = $"it uses {tokens[i].Text}";
            else if (tokens[i].Text == "modules" && i > 0 && tokens[i - 1].Is(".")) _dynamic = "it uses sys.modules";
        }
    }

    private static bool IsDefOrClass(List<PythonLexer.Token> statement) =>
        statement[0].Text is "def" or "class" || (statement[0].Text == "async" && statement.Count > 1 && statement[1].Text == "def");

    /// <summary>A compound statement's header: a block keyword first and a colon at bracket depth 0.</summary>
    private static bool IsBlockHeader(List<PythonLexer.Token> statement, out int colon)
    {
        colon = -1;
        var first = statement[0];
        if (!first.IsName) return false;
        var soft = SoftBlockKeywords.Contains(first.Text);
        if (!BlockKeywords.Contains(first.Text) && !soft) return false;
        // `match = 3` and `case.x = 1` are plain statements: soft keywords are names too.
        if (soft && (statement.Count < 2 || (statement[1].IsOperator && statement[1].Text is not ("(" or "[" or "{" or "-" or "*")))) return false;
        var depth = 0;
        // A lambda's colon (`if f(lambda: 1):` is inside brackets; a bare one would be) is not the header's.
        var lambdas = 0;
        for (var i = 1; i < statement.Count; i++)
        {
            var token = statement[i];
            if (token.Opens) depth++;
            else if (token.Closes) depth = Math.Max(0, depth - 1);
            else if (depth == 0 && token.IsName && token.Text == "lambda") lambdas++;
            else if (depth == 0 && token.Is(":"))
            {
                if (lambdas > 0)
                {
                    lambdas--;
                    continue;
                }
                colon = i;
                return true;
            }
        }
        return false;
    }

    private void BindHeader(List<PythonLexer.Token> header)
    {
        var keyword = header[0].Text == "async" && header.Count > 1 ? header[1].Text : header[0].Text;
        var start = header[0].Text == "async" ? 1 : 0;
        switch (keyword)
        {
            case "def" or "class":
                if (header.Count > start + 1 && header[start + 1].IsName)
                {
                    var name = header[start + 1].Text;
                    _bound.Add(name);
                    if (keyword == "def") _functions.Add(name);
                    if (keyword == "def" && name == "__getattr__") _dynamic ??= "it defines a module __getattr__";
                }
                return;
            case "for":
                var inAt = header.FindIndex(start + 1, t => t.IsName && t.Text == "in");
                BindTargets(header.GetRange(start + 1, (inAt < 0 ? header.Count : inAt) - start - 1));
                break;
        }
        BindAfterAs(header);
        BindWalrus(header);
    }

    private void BindStatement(List<PythonLexer.Token> statement)
    {
        var first = statement[0];
        if (first.IsName && first.Text == "import")
        {
            foreach (var part in SplitTopLevel(statement.Skip(1).ToList(), ","))
            {
                var alias = part.FindIndex(t => t.IsName && t.Text == "as");
                if (alias >= 0 && alias + 1 < part.Count) _bound.Add(part[alias + 1].Text);
                else if (part.Count > 0 && part[0].IsName) _bound.Add(part[0].Text);
            }
            return;
        }
        if (first.IsName && first.Text == "from")
        {
            var import = statement.FindIndex(t => t.IsName && t.Text == "import");
            if (import < 0) return;
            var names = statement.Skip(import + 1).Where(t => !t.Opens && !t.Closes).ToList();
            if (names.Exists(t => t.Is("*")))
            {
                _dynamic ??= "it uses from … import *";
                return;
            }
            foreach (var part in SplitTopLevel(names, ","))
            {
                if (part.Count == 0) continue;
                _bound.Add(part.Count >= 3 && part[^2].Text == "as" ? part[^1].Text : part[0].Text);
            }
            return;
        }
        BindWalrus(statement);
        BindAfterAs(statement);
        // `name: int = 1` and `name: int` bind name.
        if (first.IsName && statement.Count > 1 && statement[1].Is(":"))
        {
            _bound.Add(first.Text);
            return;
        }
        var parts = SplitTopLevel(statement, "=");
        if (parts.Count == 1)
        {
            var augmented = statement.FindIndex(t => t.IsOperator && t.Text.Length >= 2 && t.Text[^1] == '=' && t.Text is not ("==" or "!=" or "<=" or ">=" or ":="));
            if (augmented > 0) BindTargets(statement.GetRange(0, augmented));
            return;
        }
        for (var i = 0; i < parts.Count - 1; i++) BindTargets(parts[i]);
    }

    /// <summary>
    /// The names an assignment or for target binds: plain names, also inside tuples and lists and after <c>*</c>,
    /// but not an attribute (<c>a.b</c>), a subscript (<c>a[i]</c>) or anything inside a subscript.
    /// </summary>
    private void BindTargets(List<PythonLexer.Token> target)
    {
        var subscriptDepth = 0;
        var depth = 0;
        var subscriptAt = new Stack<int>();
        for (var i = 0; i < target.Count; i++)
        {
            var token = target[i];
            if (token.Opens)
            {
                depth++;
                var indexes = token.Text == "[" && i > 0 && (target[i - 1].IsName || target[i - 1].Closes || target[i - 1].Kind == PythonLexer.TokenKind.String);
                if (indexes)
                {
                    subscriptDepth++;
                    subscriptAt.Push(depth);
                }
                continue;
            }
            if (token.Closes)
            {
                if (subscriptAt.Count > 0 && subscriptAt.Peek() == depth)
                {
                    subscriptAt.Pop();
                    subscriptDepth--;
                }
                depth = Math.Max(0, depth - 1);
                continue;
            }
            if (!token.IsName || subscriptDepth > 0) continue;
            var afterDot = i > 0 && target[i - 1].Is(".");
            var beforeAccess = i + 1 < target.Count && (target[i + 1].Is(".") || target[i + 1].Is("(") || target[i + 1].Is("["));
            if (!afterDot && !beforeAccess) _bound.Add(token.Text);
        }
    }

    private void BindAfterAs(List<PythonLexer.Token> tokens)
    {
        for (var i = 0; i + 1 < tokens.Count; i++)
        {
            if (tokens[i].IsName && tokens[i].Text == "as" && tokens[i + 1].IsName) _bound.Add(tokens[i + 1].Text);
        }
    }

    private void BindWalrus(List<PythonLexer.Token> tokens)
    {
        for (var i = 0; i + 1 < tokens.Count; i++)
        {
            if (tokens[i].IsName && tokens[i + 1].Is(":=")) _bound.Add(tokens[i].Text);
        }
    }

    /// <summary>Splits at <paramref name="separator"/> tokens outside brackets.</summary>
    private static List<List<PythonLexer.Token>> SplitTopLevel(IReadOnlyList<PythonLexer.Token> tokens, string separator)
    {
        var parts = new List<List<PythonLexer.Token>> { new() };
        var depth = 0;
        foreach (var token in tokens)
        {
            if (token.Opens) depth++;
            else if (token.Closes) depth = Math.Max(0, depth - 1);
            else if (depth == 0 && token.Is(separator))
            {
                parts.Add([]);
                continue;
            }
            parts[^1].Add(token);
        }
        return parts;
    }
}
