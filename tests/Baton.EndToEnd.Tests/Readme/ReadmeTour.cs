using System.Text;
using System.Text.RegularExpressions;

namespace Baton.EndToEnd.Tests.Readme;

/// <summary>One command of the README's tour: its words as a shell would split them, and what its comment promises.</summary>
public sealed record TourCommand(IReadOnlyList<string> Words, string Comment, string Line)
{
    /// <summary>The comment says so ("exits 1"): any other command must succeed.</summary>
    public int ExpectedExitCode => Regex.Match(Comment, @"exits (\d+)") is { Success: true } m ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;

    public override string ToString() => Line;
}

/// <summary>
/// Reads the tour out of README.md: every <c>```bash</c> block between <c>&lt;!-- tour:begin --&gt;</c> and
/// <c>&lt;!-- tour:end --&gt;</c>, a command per line (backslash continuations joined, <c>&amp;&amp;</c> chains split),
/// words split as a shell would (quotes, <c>#</c> comments); a placeholder such as <c>&lt;delivery id&gt;</c> is one word.
/// </summary>
public static class ReadmeTour
{
    public const string Begin = "<!-- tour:begin -->";
    public const string End = "<!-- tour:end -->";

    public static IReadOnlyList<TourCommand> Commands(string readme)
    {
        var begin = readme.IndexOf(Begin, StringComparison.Ordinal);
        var end = readme.IndexOf(End, StringComparison.Ordinal);
        if (begin < 0 || end < begin) throw new InvalidOperationException($"README.md has no tour between {Begin} and {End}.");
        var tour = readme[begin..end];
        var commands = new List<TourCommand>();
        foreach (Match block in Regex.Matches(tour, @"```bash\n(.*?)```", RegexOptions.Singleline))
        {
            var joined = Regex.Replace(block.Groups[1].Value, @"\\\n\s*", " ");
            foreach (var line in joined.Split('\n'))
            {
                var (words, comment) = Split(line);
                if (words.Count == 0) continue;
                // a && b: each its own command, the comment going with the line.
                var current = new List<string>();
                foreach (var word in words.Append("&&"))
                {
                    if (word != "&&")
                    {
                        current.Add(word);
                        continue;
                    }
                    if (current.Count > 0) commands.Add(new TourCommand(current, comment, line.Trim()));
                    current = [];
                }
            }
        }
        return commands;
    }

    /// <summary>Shell-like word splitting: single and double quotes, a # starting a word begins the comment.</summary>
    public static (List<string> Words, string Comment) Split(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (char.IsWhiteSpace(c))
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
                continue;
            }
            if (!inWord && c == '#') return (words, line[(i + 1)..].Trim());
            inWord = true;
            if (c is '"' or '\'')
            {
                var close = line.IndexOf(c, i + 1);
                if (close < 0) throw new FormatException($"Unclosed quote in README tour line: {line}");
                word.Append(line, i + 1, close - i - 1);
                i = close;
            }
            else if (c == '<' && word.Length == 0 && line.IndexOf('>', i) is var gt and > 0)
            {
                word.Append(line, i, gt - i + 1);
                i = gt;
            }
            else
            {
                word.Append(c);
            }
        }
        if (inWord) words.Add(word.ToString());
        return (words, "");
    }
}
