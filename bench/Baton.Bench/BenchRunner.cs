using Baton.Bench.Hosting;
using Baton.Bench.Metrics;
using Baton.Bench.Scenarios;

namespace Baton.Bench;

/// <summary>Where to run a scenario: an in-process server on a backend, or a remote server.</summary>
public sealed record BenchTargetOptions(
    string Backend = "sqlite",
    Uri? ServerUrl = null,
    string? AdminKey = null,
    string? PostgresAdmin = null);

/// <summary>Runs one scenario end to end: server (unless remote), benchmark tenant, scenario, clean-up.</summary>
public static class BenchRunner
{
    public static async Task<BenchResult> RunAsync(
        IBenchScenario scenario, BenchTargetOptions target, BenchSettings settings, Action<string> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(progress);
        BenchTarget server;
        if (target.ServerUrl is not null)
        {
            if (string.IsNullOrWhiteSpace(target.AdminKey)) throw new ArgumentException("--server needs --key (a system admin API key).");
            server = BenchTarget.Remote(target.ServerUrl, target.AdminKey, target.Backend);
        }
        else
        {
            progress($"starting an in-process server on {target.Backend}");
            server = await BenchTarget.StartAsync(target.Backend, target.PostgresAdmin ?? Environment.GetEnvironmentVariable("BATON_TEST_POSTGRES"), cancellationToken);
        }
        await using (server)
        {
            using var tenant = await BenchTenant.CreateAsync(server, cancellationToken);
            using var agentHttp = BenchHttp.CreateClient(server.BaseAddress);
            var context = new BenchContext(server, tenant, agentHttp, settings, TimeProvider.System, progress);
            return await scenario.RunAsync(context, cancellationToken);
        }
    }
}
