using System.CommandLine;
using Baton.Cli.Tests.Infrastructure;

namespace Baton.Cli.Tests.Commands;

/// <summary>A short flag means one thing in every command: <c>-v</c> is never "verbose" in one place and "version" in another.</summary>
public sealed class ShortFlagTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    /// <summary>Long names that share a short flag because they mean the same thing.</summary>
    private static readonly Dictionary<string, string> Meaning = new(StringComparer.Ordinal)
    {
        ["--count"] = "how many",
        ["--limit"] = "how many",
    };

    [Fact]
    public void Every_short_flag_has_one_meaning_across_the_command_tree()
    {
        var root = CliApp.CreateRootCommand(CliContext.ForWriters(TextWriter.Null, TextWriter.Null, _ => null));
        var uses = new List<(string Short, string Long, string Command)>();
        Collect(root, "baton", uses);

        Assert.NotEmpty(uses);
        var clashes = uses.GroupBy(u => u.Short)
            .Where(g => g.Select(u => Meaning.GetValueOrDefault(u.Long, u.Long)).Distinct().Count() > 1)
            .Select(g => $"{g.Key}: " + string.Join(", ", g.Select(u => $"{u.Command} {u.Long}").Distinct()))
            .ToList();
        Assert.True(clashes.Count == 0, "short flags with two meanings:\n" + string.Join("\n", clashes));
        Assert.All(uses.Where(u => u.Short == "-v"), u => Assert.Equal("--verbose", u.Long));
        Assert.Contains(uses, u => u.Short == "-v" && u.Command == "baton up");
    }

    [Fact]
    public async Task Up_takes_v_for_verbose_and_job_run_no_longer_takes_v_for_a_version()
    {
        var up = await _cli.RunAsync("up", "--help");
        var run = await _cli.RunAsync("job", "run", "--help");

        Assert.Matches(@"-v, --verbose", up.Stdout);
        Assert.Contains("--version", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"-v, --version", run.Stdout);
        Assert.Equal(2, (await _cli.RunAsync("job", "run", "hello", "-v", "1.0.0")).ExitCode);
    }

    private static void Collect(Command command, string path, List<(string, string, string)> uses)
    {
        foreach (var option in command.Options)
        {
            foreach (var alias in option.Aliases.Where(a => a.Length == 2 && a[0] == '-' && a[1] != '-'))
                uses.Add((alias, option.Name, path));
        }
        foreach (var sub in command.Subcommands) Collect(sub, $"{path} {sub.Name}", uses);
    }
}
