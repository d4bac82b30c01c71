using System.Globalization;
using System.Text.Json;
using Baton.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace Baton.EndToEnd.Tests;

/// <summary>The README's first command: <c>baton up</c> on a fresh folder, used by the CLI with no flags, stopped and started again.</summary>
public sealed class UpCommandTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "baton-up-" + Guid.NewGuid().ToString("N")[..10]);

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
    public async Task Up_starts_everything_logs_the_cli_in_and_keeps_data_across_restarts()
    {
        var port = Cluster.FreePort().ToString(CultureInfo.InvariantCulture);
        var env = new Dictionary<string, string> { ["HOME"] = _home, ["XDG_CONFIG_HOME"] = Path.Combine(_home, ".config") };
        var data = Path.Combine(_home, "data");

        string jobId;
        await using (var up = BatonProcess.Start(env, "up", "--port", port, "--data", data, "--agents", "1", "--slots", "2"))
        {
            var ready = await up.WaitForAsync(@"ready in ([0-9.]+) s", TimeSpan.FromSeconds(90));
            output.WriteLine($"baton up ready in {ready.Groups[1].Value} s");
            Assert.Matches(@"bk_[A-Za-z0-9_-]+", up.Output);

            // No --server, no --key: the config written by `up` is enough.
            var push = await CliRunner.RunAsync(env, "package", "push", Repo.Sample("hello"));
            Assert.True(push.ExitCode == 0, push.ToString());
            var run = await CliRunner.RunAsync(env, "job", "run", "hello", "--input", "name=Up", "--wait", "--json");
            Assert.True(run.ExitCode == 0, run.ToString() + up.Output);
            var job = JsonDocument.Parse(run.Stdout).RootElement;
            Assert.Equal("Hello, Up!", job.GetProperty("result").GetProperty("greeting").GetString());
            jobId = job.GetProperty("id").GetString()!;

            up.Terminate();
            Assert.Equal(0, await up.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        await using (var again = BatonProcess.Start(env, "up", "--port", port, "--data", data))
        {
            await again.WaitForAsync(@"ready in", TimeSpan.FromSeconds(90));
            Assert.DoesNotMatch(@"shown once", again.Output);
            var show = await CliRunner.RunAsync(env, "job", "show", jobId, "--json");
            Assert.True(show.ExitCode == 0, show.ToString());
            Assert.Equal("succeeded", JsonDocument.Parse(show.Stdout).RootElement.GetProperty("state").GetString());
            var agents = await CliRunner.RunAsync(env, "agent", "list", "--json");
            Assert.Single(JsonItems.Of(agents.Stdout));
        }
    }
}
