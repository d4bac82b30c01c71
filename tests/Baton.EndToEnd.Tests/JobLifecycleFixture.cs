using Baton.EndToEnd.Tests.Support;

namespace Baton.EndToEnd.Tests;

/// <summary>One server process and one agent process shared by the lifecycle tests, with every sample pushed.</summary>
public sealed class JobLifecycleFixture : IAsyncLifetime
{
    public Cluster Cluster { get; } = new();

    public BatonProcess Agent { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Cluster.StartServerAsync();
        Agent = await Cluster.StartAgentAsync("e2e-agent", slots: 4);
        foreach (var sample in new[] { "hello", "fail", "sleep", "with-deps" })
        {
            var push = await CliRunner.RunAsync(Cluster.CliEnv(), "package", "push", Repo.Sample(sample));
            if (push.ExitCode != 0) throw new InvalidOperationException($"Pushing {sample} failed: {push}");
        }
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
