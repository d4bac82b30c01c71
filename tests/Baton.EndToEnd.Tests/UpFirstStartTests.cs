using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Baton.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace Baton.EndToEnd.Tests;

/// <summary>
/// A newcomer's first <c>baton up</c>: a busy port is one line and loses nothing; the admin key of a data folder
/// is never lost (and can be reset); each data folder keeps its own login as a CLI context.
/// </summary>
public sealed class UpFirstStartTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "baton-first-" + Guid.NewGuid().ToString("N")[..10]);

    private Dictionary<string, string> Env => new() { ["HOME"] = _home, ["XDG_CONFIG_HOME"] = Path.Combine(_home, ".config") };

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
    public async Task A_first_start_on_a_busy_port_says_so_in_one_line_and_the_next_start_shows_the_key_and_logs_the_cli_in()
    {
        var port = Cluster.FreePort();
        var data = Path.Combine(_home, "data");
        using (var squatter = new TcpListener(IPAddress.Loopback, port))
        {
            squatter.Start();
            var busy = await CliRunner.RunAsync(Env, "up", "--port", port.ToString(CultureInfo.InvariantCulture), "--data", data);
            output.WriteLine(busy.ToString());
            Assert.Equal(1, busy.ExitCode);
            var error = Assert.Single(busy.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains($"127.0.0.1:{port} is already in use", error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", busy.Stdout + busy.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("bk_", busy.Stdout + busy.Stderr, StringComparison.Ordinal);
        }

        await using var up = BatonProcess.Start(Env, "up", "--port", port.ToString(CultureInfo.InvariantCulture), "--data", data, "--agents", "0");
        await up.WaitForAsync("ready in", TimeSpan.FromSeconds(120));
        await up.WaitForAsync(@"shown once, keep it safe\):\s+bk_", TimeSpan.FromSeconds(10));
        await up.WaitForAsync("Press Ctrl-C", TimeSpan.FromSeconds(10));
        var me = await CliRunner.RunAsync(Env, "job", "list");
        Assert.True(me.ExitCode == 0, me.ToString());
    }

    [Fact]
    public async Task A_lost_key_is_reset_for_a_local_data_folder_and_each_data_folder_keeps_its_own_login()
    {
        var port = Cluster.FreePort().ToString(CultureInfo.InvariantCulture);
        var first = Path.Combine(_home, "first");
        var other = Path.Combine(_home, "other");

        await StartStopAsync(first, expectKey: true);
        await StartStopAsync(other, expectKey: true);

        // Back on the first folder: its own saved login is used again, not the other folder's key.
        await using (var again = BatonProcess.Start(Env, "up", "--port", port, "--data", first, "--agents", "0"))
        {
            await again.WaitForAsync("ready in", TimeSpan.FromSeconds(120));
            await again.WaitForAsync("logged in as context 'first@", TimeSpan.FromSeconds(10));
            var list = await CliRunner.RunAsync(Env, "job", "list");
            Assert.True(list.ExitCode == 0, list.ToString() + again.Output);
        }
        var contexts = await CliRunner.RunAsync(Env, "context", "list", "--json");
        var names = JsonDocument.Parse(contexts.Stdout).RootElement.GetProperty("contexts").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Equal([$"first@{port}", $"other@{port}"], names);

        // The key lost for good (no saved login): the start says how to recover, --reset-admin-key prints a new one.
        File.Delete(Path.Combine(_home, ".config", "baton", "config.json"));
        await using (var lost = BatonProcess.Start(Env, "up", "--port", port, "--data", first, "--agents", "0"))
        {
            await lost.WaitForAsync("Press Ctrl-C", TimeSpan.FromSeconds(120));
            await lost.WaitForAsync("--reset-admin-key", TimeSpan.FromSeconds(10));
        }
        await using (var reset = BatonProcess.Start(Env, "up", "--port", port, "--data", first, "--agents", "0", "--reset-admin-key"))
        {
            await reset.WaitForAsync("ready in", TimeSpan.FromSeconds(120));
            await reset.WaitForAsync(@"new system admin API key[^\n]*\n\s+bk_", TimeSpan.FromSeconds(10));
            await reset.WaitForAsync("Press Ctrl-C", TimeSpan.FromSeconds(10));
            var list = await CliRunner.RunAsync(Env, "job", "list");
            Assert.True(list.ExitCode == 0, list.ToString());
        }

        // A refused key names the context it came from.
        await using (var stranger = BatonProcess.Start(Env, "up", "--port", port, "--data", other, "--agents", "0"))
        {
            await stranger.WaitForAsync("Press Ctrl-C", TimeSpan.FromSeconds(120));
            var refused = await CliRunner.RunAsync(Env, "context", "use", $"first@{port}");
            Assert.Equal(0, refused.ExitCode);
            var unauthorized = await CliRunner.RunAsync(Env, "job", "list");
            Assert.Equal(1, unauthorized.ExitCode);
            Assert.Contains($"context 'first@{port}'", unauthorized.Stderr, StringComparison.Ordinal);
        }

        async Task StartStopAsync(string data, bool expectKey)
        {
            await using var up = BatonProcess.Start(Env, "up", "--port", port, "--data", data, "--agents", "0");
            await up.WaitForAsync("ready in", TimeSpan.FromSeconds(120));
            if (expectKey) await up.WaitForAsync("shown once", TimeSpan.FromSeconds(10));
            await up.WaitForAsync("Press Ctrl-C", TimeSpan.FromSeconds(10));
            var list = await CliRunner.RunAsync(Env, "job", "list");
            Assert.True(list.ExitCode == 0, list.ToString());
        }
    }
}
