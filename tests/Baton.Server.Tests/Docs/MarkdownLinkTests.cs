using System.Text;
using System.Text.RegularExpressions;

namespace Baton.Server.Tests.Docs;

/// <summary>
/// Every relative link in the repository's Markdown (README.md, docs/**, the projects' READMEs) names a file that
/// exists and, with a <c>#fragment</c> into Markdown, a heading that GitHub gives that anchor. Links inside code
/// (fenced blocks, backtick spans) and to other sites are not links a reader follows here.
/// </summary>
public sealed partial class MarkdownLinkTests
{
    private static readonly string Root = FindRoot();

    [Fact]
    public void Every_relative_markdown_link_resolves_to_a_file_and_heading()
    {
        var files = MarkdownFiles().ToList();
        Assert.Contains(Path.Combine(Root, "README.md"), files);
        Assert.Contains(Path.Combine(Root, "docs", "deploy", "README.md"), files);
        var broken = files.SelectMany(BrokenLinks).ToList();
        Assert.True(broken.Count == 0, "Broken relative links:\n" + string.Join('\n', broken));
    }

    [Fact]
    public void The_checker_finds_a_missing_file_a_missing_heading_and_ignores_code_and_other_sites()
    {
        var folder = Directory.CreateTempSubdirectory("baton-links-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "other.md"), "# Sizing (from the seed's tables)\n\n## Notes\n\n## Notes\n");
            var page = Path.Combine(folder, "page.md");
            File.WriteAllText(page, """
                # Page
                [ok](other.md#sizing-from-the-seeds-tables) [second notes](other.md#notes-1) [self](#page)
                [gone](missing.md) [no heading](other.md#nothing-here) ![image](missing.png)
                `[code](missing-in-code.md)` [site](https://example.com/missing.md)
                ```
                [fenced](missing-in-fence.md)
                ```
                """);

            var broken = BrokenLinks(page).ToList();

            Assert.Equal(3, broken.Count);
            Assert.Contains(broken, b => b.EndsWith("page.md:3: missing.md (no such file)", StringComparison.Ordinal));
            Assert.Contains(broken, b => b.EndsWith("page.md:3: other.md#nothing-here (no such heading)", StringComparison.Ordinal));
            Assert.Contains(broken, b => b.EndsWith("page.md:3: missing.png (no such file)", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static IEnumerable<string> MarkdownFiles() =>
        Directory.EnumerateFiles(Root, "*.md", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(Root, f).Split(Path.DirectorySeparatorChar)
                .Any(part => part is "bin" or "obj" or "node_modules" or ".git" || part.StartsWith('.')))
            .Order(StringComparer.Ordinal);

    private static IEnumerable<string> BrokenLinks(string file)
    {
        foreach (var line in ProseLines(file))
        {
            foreach (Match link in LinkPattern().Matches(CodeSpan().Replace(line.Text, "")))
            {
                var target = link.Groups["target"].Value;
                if (SchemePattern().IsMatch(target)) continue;
                var hash = target.IndexOf('#', StringComparison.Ordinal);
                var path = hash < 0 ? target : target[..hash];
                var fragment = hash < 0 ? "" : target[(hash + 1)..];
                var resolved = path.Length == 0 ? file : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, Uri.UnescapeDataString(path)));
                var where = $"{Path.GetRelativePath(Root, file)}:{line.Number}: {target}";
                if (!File.Exists(resolved) && !Directory.Exists(resolved)) yield return $"{where} (no such file)";
                else if (fragment.Length > 0 && resolved.EndsWith(".md", StringComparison.Ordinal) && !Anchors(resolved).Contains(fragment))
                    yield return $"{where} (no such heading)";
            }
        }
    }

    /// <summary>The file's lines outside fenced code blocks, with their 1-based numbers.</summary>
    private static IEnumerable<(int Number, string Text)> ProseLines(string file)
    {
        var inFence = false;
        var number = 0;
        foreach (var line in File.ReadLines(file))
        {
            number++;
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                continue;
            }
            if (!inFence) yield return (number, line);
        }
    }

    /// <summary>The anchors GitHub gives the file's headings (a repeated heading gets -1, -2, …), plus explicit <c>&lt;a id&gt;</c>s.</summary>
    private static HashSet<string> Anchors(string file)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (_, text) in ProseLines(file))
        {
            var heading = HeadingPattern().Match(text);
            if (heading.Success)
            {
                var slug = Slug(heading.Groups["title"].Value);
                var count = seen.GetValueOrDefault(slug);
                seen[slug] = count + 1;
                anchors.Add(count == 0 ? slug : $"{slug}-{count}");
            }
            foreach (Match explicitAnchor in ExplicitAnchor().Matches(text)) anchors.Add(explicitAnchor.Groups["id"].Value);
        }
        return anchors;
    }

    /// <summary>GitHub's heading slug: link text kept, lower case, anything but letters, digits, '-', '_' and spaces dropped, spaces to '-'.</summary>
    private static string Slug(string title)
    {
        var text = InlineLink().Replace(title, "${text}").Replace("`", "", StringComparison.Ordinal).Trim().ToLowerInvariant();
        var slug = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_') slug.Append(c);
            else if (c == ' ') slug.Append('-');
        }
        return slug.ToString();
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Baton.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException("Cannot find the repository root (Baton.slnx) above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("""\]\((?<target>[^)\s]+)(?:\s+"[^"]*")?\)""")]
    private static partial Regex LinkPattern();

    [GeneratedRegex("`[^`]*`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex("^[a-zA-Z][a-zA-Z0-9+.-]*:")]
    private static partial Regex SchemePattern();

    [GeneratedRegex(@"^#{1,6}\s+(?<title>.*?)\s*#*\s*$")]
    private static partial Regex HeadingPattern();

    [GeneratedRegex(@"<a\s+(?:id|name)=""(?<id>[^""]+)""")]
    private static partial Regex ExplicitAnchor();

    [GeneratedRegex(@"\[(?<text>[^\]]*)\]\([^)]*\)")]
    private static partial Regex InlineLink();
}
