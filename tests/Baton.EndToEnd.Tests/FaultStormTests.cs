using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Baton.Core.Api;
using Baton.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace Baton.EndToEnd.Tests;

/// <summary>
/// Fault storms: jobs pour in while agents and servers are killed with SIGKILL and restarted (and, on PostgreSQL, the
/// database restarts), then <see cref="QueueChecker"/> counts lost, duplicated, stuck and orphaned jobs — all must be 0,
/// and every acknowledged job must have succeeded.
/// </summary>
public sealed class FaultStormTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int JobCount = 300;
    private const double AgentTtlSeconds = 3;
    private readonly Cluster _cluster = new();
    private readonly Stopwatch _clock = new();
    private PrivatePostgres? _postgres;

    private string Markers => Path.Combine(_cluster.Root, "executions.log");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
    }

    [Fact]
    public async Task On_postgres_two_replicas_lose_duplicate_strand_and_orphan_nothing_through_kills_and_a_database_restart()
    {
        _postgres = await PrivatePostgres.StartAsync();
        string[] storage =
        [
            "--storage", "postgres", "--postgres", _postgres.AppConnectionString,
            "--postgres-migration", _postgres.OwnerConnectionString, "--blobs", Path.Combine(_cluster.Root, "blobs"),
        ];
        var replicaA = await _cluster.StartReplicaAsync("replica-a", AgentTtlSeconds, storage);
        var replicaB = await _cluster.StartReplicaAsync("replica-b", AgentTtlSeconds, storage);
        string[] urls = [_cluster.ReplicaUrl(replicaA), _cluster.ReplicaUrl(replicaB)];
        await PushPackageAsync();
        var agent1 = await _cluster.StartAgentAsync("agent-1", slots: 3, servers: $"{urls[0]},{urls[1]}");
        await _cluster.StartAgentAsync("agent-2", slots: 3, servers: $"{urls[1]},{urls[0]}");
        var agent3 = await _cluster.StartAgentAsync("agent-3", slots: 3, servers: $"{urls[0]},{urls[1]}");

        _clock.Start();
        var submitting = SubmitAllAsync(urls);

        await ExecutionsReachAsync(30);
        await KillAsync(agent1, "agent-1");
        await _cluster.StartAgentAsync("agent-1", slots: 3, servers: $"{urls[0]},{urls[1]}");
        Log("agent-1 restarted");

        // The database restarts while submissions still pour in and jobs run on both replicas.
        await ExecutionsReachAsync(70);
        await _postgres.RestartAsync();
        Log("PostgreSQL restarted (immediate stop: connections cut, crash recovery)");

        await ExecutionsReachAsync(110);
        await KillAsync(replicaA, "replica A");
        await _cluster.RestartReplicaAsync(replicaA, "replica-a", AgentTtlSeconds, storage);
        Log("replica A restarted on its address");

        // One agent dies for good: its leases must expire and its jobs move to the living.
        await ExecutionsReachAsync(180);
        await KillAsync(agent3, "agent-3 (for good)");

        await CheckAsync(await submitting, urls[1]);
    }

    [Fact]
    public async Task On_sqlite_one_server_loses_duplicates_strands_and_orphans_nothing_through_agent_and_server_kills()
    {
        var server = await _cluster.StartReplicaAsync("server", AgentTtlSeconds);
        await PushPackageAsync();
        var agent1 = await _cluster.StartAgentAsync("agent-1", slots: 3);
        var agent2 = await _cluster.StartAgentAsync("agent-2", slots: 3);

        _clock.Start();
        var submitting = SubmitAllAsync([_cluster.Url]);

        await ExecutionsReachAsync(30);
        await KillAsync(agent1, "agent-1");
        await _cluster.StartAgentAsync("agent-1", slots: 3);
        Log("agent-1 restarted");

        await ExecutionsReachAsync(90);
        await KillAsync(server, "the server");
        await _cluster.RestartReplicaAsync(server, "server", AgentTtlSeconds);
        Log("server restarted on its address");

        await ExecutionsReachAsync(160);
        await KillAsync(agent2, "agent-2 (for good)");

        await CheckAsync(await submitting, _cluster.Url);
    }

    private async Task KillAsync(BatonProcess process, string what)
    {
        process.KillHard();
        await process.WaitForExitAsync(TimeSpan.FromSeconds(10));
        Log($"kill -9 {what}");
    }

    /// <summary>
    /// Four clients submit <see cref="JobCount"/> jobs, paced so that submissions overlap the faults; a submission that fails
    /// (server dead, database restarting) is sent again with the same idempotency key, to the next server, until acknowledged.
    /// </summary>
    private async Task<IReadOnlyList<string>> SubmitAllAsync(string[] urls)
    {
        var acknowledged = new ConcurrentBag<string>();
        var retries = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(client => Task.Run(async () =>
        {
            var apis = urls.Select(url => _cluster.Api(url: url)).ToArray();
            foreach (var api in apis) api.Timeout = TimeSpan.FromSeconds(15);
            try
            {
                for (var i = client; i < JobCount; i += 4)
                {
                    var request = new SubmitJobRequest("storm", IdempotencyKey: $"storm-{i:D4}",
                        Inputs: new() { ["marker"] = JsonSerializer.SerializeToElement(Markers) });
                    var deadline = Stopwatch.StartNew();
                    for (var attempt = 0; ; attempt++)
                    {
                        var api = apis[(i + attempt) % apis.Length];
                        try
                        {
                            var response = await api.PostAsJsonAsync("/api/v1/jobs", request, Cluster.Json);
                            if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
                            {
                                acknowledged.Add((await response.Content.ReadFromJsonAsync<JobDto>(Cluster.Json))!.Id);
                                break;
                            }
                            if ((int)response.StatusCode < 500 && response.StatusCode != HttpStatusCode.TooManyRequests)
                            {
                                throw new InvalidOperationException($"Submission refused: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                            }
                        }
                        catch (HttpRequestException)
                        {
                        }
                        catch (TaskCanceledException)
                        {
                        }
                        Interlocked.Increment(ref retries);
                        if (deadline.Elapsed > TimeSpan.FromSeconds(90)) throw new TimeoutException($"Job {i} was never acknowledged.");
                        await Task.Delay(250);
                    }
                    await Task.Delay(150);
                }
            }
            finally
            {
                foreach (var api in apis) api.Dispose();
            }
        })));
        Log($"{acknowledged.Count} submissions acknowledged ({retries} sends retried)");
        return [.. acknowledged];
    }

    /// <summary>Waits until the jobs have run the package's code this many times, so each fault lands under load.</summary>
    private async Task ExecutionsReachAsync(int count)
    {
        var clock = Stopwatch.StartNew();
        var done = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            done = File.Exists(Markers) ? File.ReadAllLines(Markers).Length : 0;
            if (done >= count) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"Only {done} of {count} executions after 90 s.");
    }

    /// <summary>Waits (bounded: leases expire within the agent TTL) for every job to end, then runs the checker.</summary>
    private async Task CheckAsync(IReadOnlyList<string> acknowledged, string url)
    {
        using var api = _cluster.Api(url: url);
        var open = acknowledged.ToHashSet();
        var clock = Stopwatch.StartNew();
        while (open.Count > 0 && clock.Elapsed < TimeSpan.FromSeconds(120))
        {
            var unfinished = new HashSet<string>();
            foreach (var state in new[] { "pending", "assigned", "running" })
            {
                var page = await api.GetFromJsonAsync<ListResponse<JobDto>>($"/api/v1/jobs?state={state}&limit=500", Cluster.Json);
                unfinished.UnionWith(page!.Items.Select(j => j.Id));
            }
            open.IntersectWith(unfinished);
            if (open.Count == 0)
            {
                // A job can move back while the three lists are read (running → pending when its lease expires between
                // the "pending" and the "running" page) and be in none: confirm each one's end before the checker runs.
                foreach (var id in acknowledged)
                {
                    var response = await api.GetAsync($"/api/v1/jobs/{id}");
                    if (response.StatusCode == HttpStatusCode.NotFound) continue;
                    var job = (await response.Content.ReadFromJsonAsync<JobDto>(Cluster.Json))!;
                    if (job.State is "pending" or "assigned" or "running") open.Add(id);
                }
            }
            if (open.Count > 0) await Task.Delay(500);
        }
        Log(open.Count == 0 ? "every job has ended" : $"{open.Count} jobs still open after the grace period");

        var observed = new Dictionary<string, ObservedJob>();
        foreach (var id in acknowledged)
        {
            var response = await api.GetAsync($"/api/v1/jobs/{id}");
            if (response.StatusCode == HttpStatusCode.NotFound) continue;
            response.EnsureSuccessStatusCode();
            var job = (await response.Content.ReadFromJsonAsync<JobDto>(Cluster.Json))!;
            var events = await api.GetFromJsonAsync<ListResponse<JobEventDto>>($"/api/v1/jobs/{id}/events", Cluster.Json);
            observed[id] = new ObservedJob(id, job.State, job.AgentId, events!.Items);
        }
        var agents = await api.GetFromJsonAsync<ListResponse<AgentDto>>("/api/v1/agents", Cluster.Json);
        var online = agents!.Items.Where(a => a.State == "online").Select(a => a.Id).ToHashSet();

        var check = QueueChecker.Check(acknowledged, observed, online);
        var executions = File.ReadAllLines(Markers).Length;
        Log($"checker: {check}; {executions} executions for {acknowledged.Count} jobs "
            + $"({observed.Values.Count(j => j.Events.Any(e => e.Type == "lease_expired"))} jobs had a lease expire)");
        Assert.Equal(JobCount, acknowledged.Distinct().Count());
        Assert.True(check.Clean, check.ToString());
        Assert.True(check.NotSucceeded.Count == 0, check.ToString());
    }

    private async Task PushPackageAsync()
    {
        var folder = Path.Combine(_cluster.Root, "storm");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "baton.yaml"), """
            name: storm
            version: 1.0.0
            entrypoint: storm:main
            max_attempts: 10
            timeout: 60s
            parameters:
              marker: {type: string, required: true}
            """);
        // Records every execution (job id and attempt): the storm's faults are paced by how much work has run.
        await File.WriteAllTextAsync(Path.Combine(folder, "storm.py"), """
            import os
            import time

            def main(marker):
                time.sleep(0.4)
                with open(marker, "a") as f:
                    f.write("%s %s\n" % (os.environ["BATON_JOB_ID"], os.environ["BATON_ATTEMPT"]))
                return {"ok": True}
            """);
        var push = await CliRunner.RunAsync(_cluster.CliEnv(), "package", "push", folder);
        Assert.True(push.ExitCode == 0, push.ToString());
    }

    private void Log(string message) => output.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:0.0}s] {message}");
}
