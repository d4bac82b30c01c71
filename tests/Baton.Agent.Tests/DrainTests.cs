using System.Text.Json;
using Baton.Agent.Tests.Support;
using Baton.Core.AgentProtocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Agent.Tests;

/// <summary>Draining: the autoscaler's scale-down takes no job away, it lets the agent finish them and leave.</summary>
public sealed class DrainTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static JobAssignment Sleep(FakeServerState state, string jobId, double seconds)
    {
        var zip = PackageZip.FromFolder(TestPaths.Sample("sleep"));
        var sha = state.AddPackage(zip);
        using var inputs = JsonDocument.Parse($$"""{"seconds":{{seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}""");
        return new JobAssignment(jobId, 1, new PackageRef("sleep", "1.0.0", sha, zip.Length), "sleep:main", inputs.RootElement.Clone(), 60, null, null);
    }

    [Fact]
    public async Task A_draining_agent_finishes_its_jobs_takes_no_new_one_and_exits()
    {
        await using var server = await FakeProtocolServer.StartAsync();
        var state = server.State;
        state.PendingJobs.Enqueue(Sleep(state, "job-a", 3));
        state.PendingJobs.Enqueue(Sleep(state, "job-b", 3));
        var options = new AgentOptions
        {
            ServerUrls = [server.Url],
            EnrollmentToken = state.EnrollmentToken,
            Name = "drain-agent",
            Slots = 4,
            DataDirectory = _temp.Combine("data"),
            PollWait = TimeSpan.FromSeconds(2),
        };
        await using var agent = new BatonAgent(options, NullLoggerFactory.Instance, TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var run = agent.RunAsync(stop.Token);

        await FakeServerState.WaitUntilAsync(() => state.Started.ContainsKey("job-a") && state.Started.ContainsKey("job-b"), Wait, "both jobs started");
        agent.Drain();
        var pollsAtDrain = state.Polls.Count;
        state.PendingJobs.Enqueue(Sleep(state, "job-late", 1));

        await run.WaitAsync(Wait); // returns by itself, nobody cancelled it
        Assert.False(stop.IsCancellationRequested);
        Assert.True(agent.Draining);
        Assert.Equal("succeeded", (await state.WaitForCompletionAsync("job-a", Wait)).Outcome);
        Assert.Equal("succeeded", (await state.WaitForCompletionAsync("job-b", Wait)).Outcome);
        Assert.False(state.Started.ContainsKey("job-late"));
        Assert.All(state.Polls.Skip(pollsAtDrain), p => Assert.Equal(0, p.FreeSlots));
        Assert.Equal(0, agent.RunningJobs);
    }
}
