using Baton.Bench.Hosting;
using Baton.Bench.Metrics;
using Baton.Bench.Scenarios;
using Baton.Server.Hosting;

namespace Baton.Bench;

/// <summary>
/// Where to run a scenario: a server of its own on a backend (a child process running
/// <paramref name="ServerCommand"/>, by default the <c>baton</c> CLI running this bench; or in this
/// process with <paramref name="InProcess"/>), or a remote server.
/// </summary>
public sealed record BenchTargetOptions(
    string Backend = "sqlite",
    Uri? ServerUrl = null,
    string? AdminKey = null,
    string? PostgresAdmin = null,
    bool InProcess = false,
    ServerCommandLine? ServerCommand = null,
    bool Metrics = true);

/// <summary>Runs one scenario end to end: server (unless remote), benchmark tenant, scenario, clean-up.</summary>
public static class BenchRunner
{
    public static async Task<BenchResult> RunAsync(
        IBenchScenario scenario, BenchTargetOptions target, BenchSettings settings, Action<string> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(progress);
        // Thousands of simulated agents hold a socket each: use the whole descriptor allowance.
        if (OpenFileLimit.RaiseSoftToHard() is { } raised) progress($"raised the open-file limit from {raised.Soft} to {raised.Hard}");
        var server = await StartTargetAsync(target, progress, cancellationToken);
        await using (server)
        {
            try
            {
                using var tenant = await BenchTenant.CreateAsync(server, cancellationToken);
                using var agentHttp = BenchHttp.CreateClient(server.BaseAddress);
                var context = new BenchContext(server, tenant, agentHttp, settings, TimeProvider.System, progress) { Cli = CliOf(target) };
                return await scenario.RunAsync(context, cancellationToken);
            }
            catch (Exception ex) when (server.DescribeServerFailure() is { } failure)
            {
                throw new InvalidOperationException(failure, ex);
            }
        }
    }

    /// <summary>The CLI that runs (or would run) the server; real agents are started with it too.</summary>
    private static ServerCommandLine? CliOf(BenchTargetOptions target)
    {
        if (target.ServerCommand is not null) return target.ServerCommand;
        try
        {
            return ServerCommandLine.OfThisProcess();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static async Task<BenchTarget> StartTargetAsync(BenchTargetOptions target, Action<string> progress, CancellationToken cancellationToken)
    {
        if (target.ServerUrl is not null)
        {
            if (string.IsNullOrWhiteSpace(target.AdminKey)) throw new ArgumentException("--server needs --key (a system admin API key).");
            return BenchTarget.Remote(target.ServerUrl, target.AdminKey, target.Backend);
        }
        var postgresAdmin = target.PostgresAdmin ?? Environment.GetEnvironmentVariable("BATON_TEST_POSTGRES");
        if (target.InProcess)
        {
            progress($"starting an in-process server on {target.Backend}");
            return await BenchTarget.StartAsync(target.Backend, postgresAdmin, null, cancellationToken, target.Metrics);
        }
        progress($"starting a server process on {target.Backend}{(target.Metrics ? "" : " with metrics off")}");
        var server = await BenchTarget.StartAsync(target.Backend, postgresAdmin, target.ServerCommand ?? ServerCommandLine.OfThisProcess(), cancellationToken, target.Metrics);
        progress($"server process {server.ServerProcessId} listening on {server.BaseAddress}");
        return server;
    }
}
