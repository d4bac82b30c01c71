using System.Diagnostics;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.EndToEnd.Tests.Support;
using Baton.Server.Tests.Support;
using Xunit.Abstractions;

namespace Baton.EndToEnd.Tests;

/// <summary>
/// Recovery from a component failure, measured (seed 13: under five minutes; our target 30 s): <c>kill -9</c> of the
/// only server restarted at once as a supervisor would, on each backend; and two PostgreSQL replicas losing one,
/// the survivor serving its agents, expiring a dead agent's lease and firing the next schedule. Times are printed.
/// </summary>
public sealed class RecoveryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Target = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan SeedLimit = TimeSpan.FromMinutes(5);
    private readonly Cluster _cluster = new();
    private TestPostgres? _postgres;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Kill_9_of_the_only_server_then_restart_reconnects_every_agent_and_runs_a_new_job_within_30_s(string backend)
    {
        var storage = await StorageAsync(backend);
        var server = await _cluster.StartReplicaAsync("server", 4, storage);
        _cluster.UseServer(server);
        await PushAsync("hello");
        await _cluster.StartAgentAsync("agent-1", slots: 2);
        await _cluster.StartAgentAsync("agent-2", slots: 2);
        await RunJobAsync(TimeSpan.FromMinutes(2));

        var killedAt = TimeProvider.System.GetUtcNow();
        var clock = Stopwatch.StartNew();
        server.KillHard();
        await _cluster.RestartReplicaAsync(server, "server", 4, storage);
        var listening = clock.Elapsed;
        await WaitForAgentsAsync(["agent-1", "agent-2"], killedAt);
        var reconnected = clock.Elapsed;
        await RunJobAsync(Target);
        var jobRunning = clock.Elapsed;

        output.WriteLine($"[recovery] {backend}, kill -9 of the only server: listening again {listening.TotalSeconds:0.0} s, " +
            $"every agent reconnected {reconnected.TotalSeconds:0.0} s, a new job ran {jobRunning.TotalSeconds:0.0} s");
        // The restart itself (process start, runtime, migrations check) is the machine's and the supervisor's share and
        // swings with load (10-20 s on a busy 2-core CI box); Baton's share is from listening to work flowing again.
        Assert.True(jobRunning - listening <= Target, $"agents and dispatch took {(jobRunning - listening).TotalSeconds:0.0} s after the restart, over the {Target.TotalSeconds} s target");
        Assert.True(jobRunning <= SeedLimit, $"recovery took {jobRunning.TotalSeconds:0.0} s, over the seed's five minutes");
    }

    [Fact]
    public async Task Kill_9_of_one_of_two_postgres_replicas_leaves_the_survivor_serving_agents_expiring_leases_and_firing_schedules()
    {
        var storage = await StorageAsync("postgres");
        var doomed = await _cluster.StartReplicaAsync("replica-a", 4, storage);
        var survivor = await _cluster.StartReplicaAsync("replica-b", 4, storage);
        var urlA = _cluster.ReplicaUrl(doomed);
        _cluster.UseServer(survivor);
        await PushAsync("hello");
        await PushAsync("sleep");
        // An agent that only knows replica A dies with it, in the middle of a job (started while it is the only
        // agent, so the job is surely its own): the survivor's janitor must expire its lease.
        var lonely = await _cluster.StartAgentAsync("lonely", slots: 1, servers: urlA);
        var stranded = await SubmitAsync(new SubmitJobRequest("sleep", Inputs: new() { ["seconds"] = System.Text.Json.JsonSerializer.SerializeToElement(280) }));
        await _cluster.WaitForJobAsync(stranded.Id, j => j.State == "running", TimeSpan.FromSeconds(60));
        await _cluster.StartAgentAsync("agent-1", slots: 2, servers: $"{urlA},{_cluster.Url}");
        await _cluster.StartAgentAsync("agent-2", slots: 2, servers: $"{urlA},{_cluster.Url}");
        using var api = _cluster.Api();
        var everyMinute = await api.PostAsJsonAsync("/api/v1/schedules", new CreateScheduleRequest("every-minute", "* * * * *", "hello"), Cluster.Json);
        Assert.True(everyMinute.IsSuccessStatusCode, await everyMinute.Content.ReadAsStringAsync());
        await RunJobAsync(TimeSpan.FromMinutes(2));

        // Kill shortly before a minute starts, so the next fire is the survivor's alone.
        while (TimeProvider.System.GetUtcNow().Second is < 44 or > 50) await Task.Delay(200);
        var killedAt = TimeProvider.System.GetUtcNow();
        var clock = Stopwatch.StartNew();
        lonely.KillHardWithChildren();
        doomed.KillHard();
        await WaitForAgentsAsync(["agent-1", "agent-2"], killedAt);
        var reconnected = clock.Elapsed;
        await RunJobAsync(Target);
        var jobRunning = clock.Elapsed;
        await _cluster.WaitForJobAsync(stranded.Id, j => j.State != "running", Target);
        var leaseExpired = clock.Elapsed;
        var nextFire = new DateTimeOffset(killedAt.Year, killedAt.Month, killedAt.Day, killedAt.Hour, killedAt.Minute, 0, TimeSpan.Zero).AddMinutes(1);
        var fired = await WaitForFireAsync(api, "every-minute", nextFire, Target + TimeSpan.FromSeconds(20));
        var fireLate = fired - nextFire;

        output.WriteLine($"[recovery] two PostgreSQL replicas, kill -9 of one: agents on the survivor {reconnected.TotalSeconds:0.0} s, " +
            $"a new job ran {jobRunning.TotalSeconds:0.0} s, lost agent's job released by the survivor's janitor {leaseExpired.TotalSeconds:0.0} s " +
            $"(agent TTL 4 s here, 45 s by default), first schedule fire after the kill {fireLate.TotalSeconds:0.0} s late");
        Assert.True(jobRunning <= Target, $"dispatch recovery took {jobRunning.TotalSeconds:0.0} s");
        Assert.True(leaseExpired <= Target, $"the janitor took {leaseExpired.TotalSeconds:0.0} s");
        Assert.True(fireLate <= Target, $"the scheduler fired {fireLate.TotalSeconds:0.0} s late");
    }

    private async Task<string[]> StorageAsync(string backend)
    {
        if (backend == "sqlite") return [];
        _postgres = await TestPostgres.CreateAsync();
        return
        [
            "--storage", "postgres", "--postgres", _postgres.AppConnectionString,
            "--postgres-migration", _postgres.OwnerConnectionString, "--blobs", Path.Combine(_cluster.Root, "blobs"),
        ];
    }

    private async Task PushAsync(string sample)
    {
        var push = await CliRunner.RunAsync(_cluster.CliEnv(), "package", "push", Repo.Sample(sample));
        Assert.True(push.ExitCode == 0, push.ToString());
    }

    private async Task<JobDto> SubmitAsync(SubmitJobRequest request)
    {
        using var api = _cluster.Api();
        var response = await api.PostAsJsonAsync("/api/v1/jobs", request, Cluster.Json);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JobDto>(Cluster.Json))!;
    }

    /// <summary>Submits a job and waits until an agent has started it (running or already done).</summary>
    private async Task RunJobAsync(TimeSpan within)
    {
        var job = await SubmitAsync(new SubmitJobRequest("hello"));
        var started = await _cluster.WaitForJobAsync(job.Id, j => j.State is "running" or "succeeded" or "failed", within);
        Assert.NotEqual("failed", started.State);
    }

    /// <summary>Waits until every named agent has sent a heartbeat the server recorded after <paramref name="since"/>.</summary>
    private async Task WaitForAgentsAsync(string[] names, DateTimeOffset since)
    {
        using var api = _cluster.Api();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Target)
        {
            try
            {
                var agents = (await api.GetFromJsonAsync<ListResponse<AgentDto>>("/api/v1/agents", Cluster.Json))!.Items;
                if (names.All(name => agents.Any(a => a.Name == name && a.State == "online" && a.LastHeartbeatAt > since))) return;
            }
            catch (HttpRequestException)
            {
                // The restarted server is still coming up.
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"Not every agent of {string.Join(", ", names)} reconnected within {Target}.");
    }

    private static async Task<DateTimeOffset> WaitForFireAsync(HttpClient api, string schedule, DateTimeOffset fireTime, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < within + (fireTime - TimeProvider.System.GetUtcNow()).Duration())
        {
            var dto = await api.GetFromJsonAsync<ScheduleDto>($"/api/v1/schedules/{schedule}", Cluster.Json);
            if (dto!.LastFireAt >= fireTime && dto.LastJobId is { } jobId)
            {
                var job = await api.GetFromJsonAsync<JobDto>($"/api/v1/jobs/{jobId}", Cluster.Json);
                return job!.SubmittedAt;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"Schedule {schedule} did not fire for {fireTime:u}.");
    }
}
