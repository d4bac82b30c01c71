using System.Diagnostics;
using System.Net;
using Baton.Bench.Hosting;
using Baton.Bench.Tests.Support;

namespace Baton.Bench.Tests;

/// <summary>The bench's server as a real <c>baton server</c> child process: start, readiness, failure reports, clean-up.</summary>
public sealed class ServerProcessTests
{
    [Fact]
    public async Task Child_server_serves_the_bench_tenant_and_dies_with_its_data_on_dispose()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        int pid;
        string dataDirectory;
        await using (var target = await BenchTarget.StartAsync("sqlite", null, BatonCli.Command, timeout.Token))
        {
            Assert.Equal(ServerPlacement.ChildProcess, target.Placement);
            pid = target.ServerProcessId!.Value;
            dataDirectory = target.DataDirectory!;
            Assert.NotEqual(Environment.ProcessId, pid);
            Assert.True(Directory.Exists(dataDirectory));
            // The bootstrap key reached the child: it is a system admin there.
            using var tenant = await BenchTenant.CreateAsync(target, timeout.Token);
            Assert.StartsWith("bench-", tenant.Tenant.Name, StringComparison.Ordinal);
        }

        Assert.False(IsRunning(pid), $"server process {pid} survived dispose");
        Assert.False(Directory.Exists(dataDirectory));
    }

    [Fact]
    public async Task A_server_that_exits_at_start_fails_with_its_last_output()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var error = await Assert.ThrowsAnyAsync<InvalidOperationException>(() => ServerProcess.StartAsync(
            BatonCli.Command, ["--data", Path.GetTempPath(), "--storage", "bogus"], new Dictionary<string, string>(), TimeSpan.FromSeconds(60), timeout.Token));

        Assert.Contains("exited with code", error.Message, StringComparison.Ordinal);
        Assert.Contains("Storage must be 'sqlite' or 'postgres'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_never_answers_times_out_with_its_last_output_and_is_killed()
    {
        // Stands in for a server stuck before listening: prints a line, then waits forever. The timeout leaves python3
        // time to start and print on a loaded machine.
        var silent = new ServerCommandLine("python3", ["-c", "import sys, time; print('stuck migrating', file=sys.stderr, flush=True); time.sleep(600)"]);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => ServerProcess.StartAsync(
            silent, [], new Dictionary<string, string>(), TimeSpan.FromSeconds(8), CancellationToken.None));

        Assert.Contains("did not answer", error.Message, StringComparison.Ordinal);
        Assert.Contains("stuck migrating", error.Message, StringComparison.Ordinal);
        var pid = int.Parse(error.Message.Split("(pid ")[1].Split(')')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(IsRunning(pid), $"process {pid} survived the timeout");
    }

    [Fact]
    public void Free_loopback_port_can_be_bound_again()
    {
        var port = ServerProcess.FreeLoopbackPort();

        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, port);
        listener.Start();
        listener.Stop();
        Assert.InRange(port, 1, 65535);
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
