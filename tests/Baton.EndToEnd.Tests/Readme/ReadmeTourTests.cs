using System.Globalization;
using Baton.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace Baton.EndToEnd.Tests.Readme;

/// <summary>
/// The README's tour, command by command as written, against a real <c>baton up</c> (its own port and data folder,
/// a fresh HOME): a command that fails here fails for a newcomer too, so the README cannot drift from the CLI.
/// </summary>
public sealed class ReadmeTourTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "baton-tour-" + Guid.NewGuid().ToString("N")[..10]);

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_home);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
        }
        return Task.CompletedTask;
    }

    [Fact]
    public void The_tour_is_found_and_split_as_a_shell_would()
    {
        var commands = ReadmeTour.Commands(File.ReadAllText(Path.Combine(Repo.Root, "README.md")));
        Assert.Equal(["./baton", "up"], commands[0].Words);
        Assert.All(commands, c => Assert.Equal("./baton", c.Words[0]));
        Assert.Contains(commands, c => c.Words.SequenceEqual(["./baton", "schedule", "create", "every-2s", "--cron", "*/2 * * * * *", "--package", "hello", "--input", "name=Ada"]));
        Assert.Contains(commands, c => c.Words.Contains("--catch-up-window") && c.Words[2] == "create" && c.Words[3] == "payroll");
        Assert.Contains(commands, c => c.Words.SequenceEqual(["./baton", "webhook", "redeliver", "<id>", "<delivery id>"]));
        Assert.Contains(commands, c => c.Words.SequenceEqual(["./baton", "secrets", "rewrap"]));
        Assert.Equal(1, Assert.Single(commands, c => c.Words.SequenceEqual(["./baton", "job", "run", "fail", "--wait"])).ExpectedExitCode);
    }

    [Fact]
    public async Task Every_tour_command_runs_as_written_against_a_real_baton_up()
    {
        var commands = ReadmeTour.Commands(File.ReadAllText(Path.Combine(Repo.Root, "README.md")));
        var env = new Dictionary<string, string> { ["HOME"] = _home, ["XDG_CONFIG_HOME"] = Path.Combine(_home, ".config") };
        var port = Cluster.FreePort().ToString(CultureInfo.InvariantCulture);
        // A folder of its own, as a fresh clone is: `samples/…` as in the repository, the data folder `.baton` made here.
        var work = Path.Combine(_home, "clone");
        Directory.CreateDirectory(work);
        Directory.CreateSymbolicLink(Path.Combine(work, "samples"), Path.Combine(Repo.Root, "samples"));

        // As written but on a free port: 8080 may be taken on a test machine.
        Assert.Equal(["./baton", "up"], commands[0].Words);
        await using var up = BatonProcess.StartIn(work, env, "up", "--port", port);
        await up.WaitForAsync(@"Press Ctrl-C", TimeSpan.FromSeconds(120));

        foreach (var command in commands.Skip(1))
        {
            var args = await ResolveAsync(work, env, command.Words.Skip(1).ToList());
            if (args.Count >= 2 && args[0] == "events" && args.Contains("--follow"))
            {
                // A live stream: it must start and keep running without an error.
                await using var stream = BatonProcess.StartIn(work, env, [.. args]);
                await Task.Delay(TimeSpan.FromSeconds(3));
                Assert.False(stream.HasExited, $"`{command}` ended at once:\n{stream.Output}");
                output.WriteLine($"ok (stream)  {command}");
                continue;
            }
            var result = await CliRunner.RunInAsync(work, env, [.. args]);
            Assert.True(result.ExitCode == command.ExpectedExitCode,
                $"`{command}` (run as baton {string.Join(' ', args)}) exited {result.ExitCode}, the README promises {command.ExpectedExitCode}:\n{result}\n--- baton up ---\n{up.Output}");
            // Into a pipe, as here: plain text, no terminal escape codes.
            Assert.DoesNotContain("\u001b[", result.Stdout + result.Stderr, StringComparison.Ordinal);
            output.WriteLine($"ok ({result.ExitCode})  {command}");
        }
    }

    /// <summary>Fills the README's placeholders with what the tour made so far, as a reader would.</summary>
    private static async Task<List<string>> ResolveAsync(string work, IReadOnlyDictionary<string, string> env, List<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            args[i] = args[i] switch
            {
                "<id>" when args[0] == "job" => await NewestIdAsync(work, env, "job", "list"),
                "<id>" when args[0] == "webhook" => await NewestIdAsync(work, env, "webhook", "list"),
                "<delivery id>" => await NewestIdAsync(work, env, "webhook", "deliveries", args[i - 1]),
                var word when word.StartsWith('<') => throw new InvalidOperationException($"The tour test does not know the placeholder {word}."),
                var word => word,
            };
        }
        return args;
    }

    private static async Task<string> NewestIdAsync(string work, IReadOnlyDictionary<string, string> env, params string[] list)
    {
        var result = await CliRunner.RunInAsync(work, env, [.. list, "--json"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonItems.Of(result.Stdout)[0].GetProperty("id").GetString()!;
    }
}
