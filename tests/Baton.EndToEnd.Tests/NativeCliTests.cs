using System.Diagnostics;
using System.Text.Json;
using Baton.EndToEnd.Tests.Support;

namespace Baton.EndToEnd.Tests;

/// <summary>
/// The native CLI (src/Baton.Cli.Native, Native AOT), published as <c>./baton</c> publishes it, with a real server
/// and agent: the API commands run in it (no .NET runtime, no full CLI needed), the others are handed to baton.dll.
/// </summary>
public sealed class NativeCliTests(NativeCliTests.Fixture fixture) : IClassFixture<NativeCliTests.Fixture>
{
    [Fact]
    public async Task Its_help_reads_as_the_full_CLI_s()
    {
        foreach (var args in (string[][])[["--help"], ["job", "--help"], ["job", "run", "--help"], ["agent", "list", "--help"], ["--version"]])
        {
            var native = await fixture.RunAsync(args);
            var full = await CliRunner.RunAsync(fixture.Cluster.CliEnv(), args);
            Assert.True(native.ExitCode == 0 && full.ExitCode == 0, $"{string.Join(' ', args)}\nnative: {native}\nfull: {full}");
            Assert.Equal(full.Stdout, native.Stdout);
        }
    }

    [Fact]
    public async Task Api_commands_run_in_it_without_the_full_CLI()
    {
        // No full CLI to hand anything to: whatever succeeds here ran natively.
        var env = new Dictionary<string, string> { ["BATON_FULL_CLI"] = "/nonexistent/baton.dll" };

        var push = await fixture.RunAsync(["package", "push", Repo.Sample("hello")], env);
        Assert.True(push.ExitCode == 0, push.ToString());

        var run = await fixture.RunAsync(["job", "run", "hello", "--input", "name=Ada", "--wait"], env);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("Hello, Ada!", JsonDocument.Parse(run.Stdout).RootElement.GetProperty("greeting").GetString());

        var runJson = await fixture.RunAsync(["job", "run", "hello", "--input", "name=Json", "--wait", "--json"], env);
        Assert.True(runJson.ExitCode == 0, runJson.ToString());
        var job = JsonDocument.Parse(runJson.Stdout).RootElement;
        Assert.Equal("succeeded", job.GetProperty("state").GetString());
        Assert.Equal("Hello, Json!", job.GetProperty("result").GetProperty("greeting").GetString());

        var logs = await fixture.RunAsync(["job", "logs", job.GetProperty("id").GetString()!], env);
        Assert.True(logs.ExitCode == 0, logs.ToString());

        var list = await fixture.RunAsync(["job", "list", "--json"], env);
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains(JsonDocument.Parse(list.Stdout).RootElement.GetProperty("items").EnumerateArray(),
            j => j.GetProperty("id").GetString() == job.GetProperty("id").GetString());

        var table = await fixture.RunAsync(["package", "list"], env);
        Assert.True(table.ExitCode == 0 && table.Stdout.Contains("hello", StringComparison.Ordinal), table.ToString());

        var show = await fixture.RunAsync(["job", "show", job.GetProperty("id").GetString()!], env);
        Assert.True(show.ExitCode == 0 && show.Stdout.Contains("succeeded", StringComparison.Ordinal), show.ToString());

        // A problem from the server reads as in the full CLI: one line on stderr, exit 1.
        var missing = await fixture.RunAsync(["job", "show", "j_00000000000000000000000000000000"], env);
        var expected = await CliRunner.RunAsync(fixture.Cluster.CliEnv(), "job", "show", "j_00000000000000000000000000000000");
        Assert.True(missing.ExitCode == 1, missing.ToString());
        Assert.Equal(expected.Stderr, missing.Stderr);
    }

    [Fact]
    public async Task Commands_that_run_Baton_itself_go_to_the_full_CLI_with_their_exit_codes()
    {
        var full = new Dictionary<string, string> { ["BATON_FULL_CLI"] = Repo.BatonDll };
        foreach (var args in (string[][])[["up", "--help"], ["agent", "--help"], ["bench", "--help"]])
        {
            var native = await fixture.RunAsync(args, full);
            var direct = await CliRunner.RunAsync(fixture.Cluster.CliEnv(), args);
            Assert.True(native.ExitCode == 0, native.ToString());
            Assert.Equal(direct.Stdout, native.Stdout);
        }

        // A usage error of the full CLI's (import needs a FILE) keeps its exit code through the hand-over.
        var usage = await fixture.RunAsync(["import"], full);
        Assert.True(usage.ExitCode == 2, usage.ToString());

        var nowhere = await fixture.RunAsync(["db", "migrate"], new Dictionary<string, string> { ["BATON_FULL_CLI"] = "/nonexistent/baton.dll" });
        Assert.True(nowhere.ExitCode == 1, nowhere.ToString());
        Assert.Contains("BATON_FULL_CLI", nowhere.Stderr, StringComparison.Ordinal);
    }

    /// <summary>The native CLI published once (Native AOT: a minute or more), and a server with one agent.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private readonly string _output = Path.Combine(Path.GetTempPath(), "baton-native-" + Guid.NewGuid().ToString("N")[..10]);

        public Cluster Cluster { get; } = new();

        public string Binary => Path.Combine(_output, "baton");

        public async Task InitializeAsync()
        {
            var publish = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in (string[])["publish", Path.Combine(Repo.Root, "src", "Baton.Cli.Native", "Baton.Cli.Native.csproj"),
                         "-c", "Release", "--use-current-runtime", "-o", _output, "--nologo", "-v", "quiet", "-clp:ErrorsOnly"])
                publish.ArgumentList.Add(arg);
            publish.Environment["DOTNET_NOLOGO"] = "1";
            using var process = Process.Start(publish)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(15));
            await process.WaitForExitAsync(deadline.Token);
            if (process.ExitCode != 0 || !File.Exists(Binary))
            {
                throw new InvalidOperationException(
                    $"Publishing the native CLI failed (exit {process.ExitCode}); Native AOT needs clang (or gcc) and zlib "
                    + $"(Debian: apt-get install clang zlib1g-dev; test.sh installs them):\n{await stdout}\n{await stderr}");
            }

            await Cluster.StartServerAsync();
            await Cluster.StartAgentAsync("native-cli-agent", slots: 2);
        }

        public async Task DisposeAsync()
        {
            await Cluster.DisposeAsync();
            try
            {
                Directory.Delete(_output, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        /// <summary>Runs the native binary with the cluster's server and key, and <paramref name="env"/> on top.</summary>
        public async Task<CliResult> RunAsync(string[] args, IReadOnlyDictionary<string, string>? env = null)
        {
            var info = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Repo.Root };
            foreach (var arg in args) info.ArgumentList.Add(arg);
            foreach (var (key, value) in Cluster.CliEnv()) info.Environment[key] = value;
            foreach (var (key, value) in env ?? new Dictionary<string, string>()) info.Environment[key] = value;
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(deadline.Token);
            return new CliResult(process.ExitCode, await stdout, await stderr);
        }
    }
}
