using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Baton.Core.Api;
using Baton.EndToEnd.Tests.Support;
using Baton.Server.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace Baton.EndToEnd.Tests;

/// <summary>Two server replicas on one PostgreSQL, agents failing over between them, one replica killed under load.</summary>
public sealed class ReplicaTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int JobCount = 1000;
    private readonly Cluster _cluster = new();
    private TestPostgres? _postgres;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
    }

    [Fact]
    public async Task Two_replicas_run_1000_jobs_exactly_once_through_the_crash_of_one()
    {
        _postgres = await TestPostgres.CreateAsync();
        string[] storage =
        [
            "--storage", "postgres", "--postgres", _postgres.AppConnectionString,
            "--postgres-migration", _postgres.OwnerConnectionString, "--blobs", Path.Combine(_cluster.Root, "blobs"),
        ];
        var replicaA = await _cluster.StartReplicaAsync("replica-a", 4, storage);
        var replicaB = await _cluster.StartReplicaAsync("replica-b", 4, storage);
        var urlA = _cluster.ReplicaUrl(replicaA);
        var urlB = _cluster.ReplicaUrl(replicaB);
        var package = WriteNoopPackage();
        var push = await CliRunner.RunAsync(_cluster.CliEnv(), "package", "push", package);
        Assert.True(push.ExitCode == 0, push.ToString());
        var markers = Path.Combine(_cluster.Root, "executions.log");

        // A job submitted on A reaches an agent long-polling B at once (LISTEN/NOTIFY), not after a poll interval.
        var probe = await _cluster.StartAgentAsync("probe", slots: 1, servers: urlB);
        await Task.Delay(500);
        using (var apiA = _cluster.Api(url: urlA))
        {
            var crossReplica = new List<double>();
            for (var i = 0; i < 5; i++)
            {
                var job = await SubmitAsync(apiA, markers);
                var done = await _cluster.WaitForJobAsync(job.Id, j => j.State == "succeeded", TimeSpan.FromSeconds(30));
                crossReplica.Add((done.AssignedAt!.Value - done.SubmittedAt).TotalMilliseconds);
                await Task.Delay(300); // let the agent's next poll settle into its wait on B
            }
            output.WriteLine($"submitted on A → assigned by B (ms): {string.Join(", ", crossReplica.Select(ms => ms.ToString("0")))}");
            Assert.True(crossReplica.Order().ElementAt(2) < 1000, "cross-replica dispatch should take milliseconds, not a poll interval");
        }
        await probe.DisposeAsync();

        await _cluster.StartAgentAsync("agent-1", slots: 4, servers: $"{urlA},{urlB}");
        await _cluster.StartAgentAsync("agent-2", slots: 4, servers: $"{urlB},{urlA}");

        var clock = Stopwatch.StartNew();
        var ids = new ConcurrentBag<string>();
        using (var apiA = _cluster.Api(url: urlA))
        using (var apiB = _cluster.Api(url: urlB))
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, JobCount), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
                ids.Add((await SubmitAsync(i % 2 == 0 ? apiA : apiB, markers)).Id));
        }
        output.WriteLine($"submitted {JobCount} jobs in {clock.ElapsedMilliseconds} ms");

        // Kill -9 replica A once about a third of the work is done.
        await WaitForSucceededAsync(ids, JobCount / 3, TimeSpan.FromMinutes(5));
        replicaA.KillHard();
        output.WriteLine($"killed replica A at {clock.ElapsedMilliseconds} ms");

        await WaitForSucceededAsync(ids, JobCount, TimeSpan.FromMinutes(8));
        output.WriteLine($"all {JobCount} jobs succeeded after {clock.ElapsedMilliseconds} ms");

        // Count per job: one success each, no job completed twice.
        await using var db = await OpenSystemConnectionAsync();
        var succeeded = new Dictionary<string, long>();
        await using (var command = new NpgsqlCommand("SELECT job_id, count(*) FROM job_events WHERE type = 'succeeded' GROUP BY job_id;", db))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) succeeded[reader.GetString(0)] = reader.GetInt64(1);
        }
        Assert.All(ids, id => Assert.Equal(1, succeeded.GetValueOrDefault(id)));
        await using (var states = new NpgsqlCommand("SELECT state, count(*) FROM jobs GROUP BY state;", db))
        await using (var reader = await states.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                output.WriteLine($"jobs {reader.GetString(0)}: {reader.GetInt64(1)}");
                Assert.Equal("succeeded", reader.GetString(0));
            }
        }
        var executions = File.ReadAllLines(markers).Select(l => l.Split(' ')[0]).GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(ids, id => Assert.True(executions.ContainsKey(id), $"job {id} never ran"));
        output.WriteLine($"executions: {executions.Values.Sum()} for {executions.Count} jobs ({executions.Values.Count(c => c > 1)} ran more than once after a lease moved)");
    }

    private static async Task<JobDto> SubmitAsync(HttpClient api, string markers)
    {
        var response = await api.PostAsJsonAsync("/api/v1/jobs",
            new SubmitJobRequest("noop", Inputs: new() { ["marker"] = JsonSerializer.SerializeToElement(markers) }), Cluster.Json);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JobDto>(Cluster.Json))!;
    }

    /// <summary>Waits until <paramref name="count"/> of these jobs (not the probe's) have succeeded.</summary>
    private async Task WaitForSucceededAsync(IEnumerable<string> jobIds, int count, TimeSpan within)
    {
        await using var db = await OpenSystemConnectionAsync();
        var ids = jobIds.ToArray();
        var clock = Stopwatch.StartNew();
        long done = 0;
        while (clock.Elapsed < within)
        {
            await using var command = new NpgsqlCommand("SELECT count(*) FROM jobs WHERE state = 'succeeded' AND id = ANY(@ids);", db);
            command.Parameters.AddWithValue("ids", ids);
            done = (long)(await command.ExecuteScalarAsync())!;
            if (done >= count) return;
            await Task.Delay(250);
        }
        throw new TimeoutException($"Only {done} of {count} jobs succeeded within {within}.");
    }

    /// <summary>Row-Level Security is forced even for the owner: look across tenants the way Baton's janitor does.</summary>
    private async Task<NpgsqlConnection> OpenSystemConnectionAsync()
    {
        var db = new NpgsqlConnection(_postgres!.OwnerConnectionString);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT set_config('baton.system', 'on', false);", db);
        await command.ExecuteNonQueryAsync();
        return db;
    }

    private string WriteNoopPackage()
    {
        var folder = Path.Combine(_cluster.Root, "noop");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "baton.yaml"), """
            name: noop
            version: 1.0.0
            entrypoint: noop:main
            max_attempts: 5
            timeout: 60s
            parameters:
              marker: {type: string, required: true}
            """);
        File.WriteAllText(Path.Combine(folder, "noop.py"), """
            import os

            def main(marker):
                with open(marker, "a") as f:
                    f.write("%s %s\n" % (os.environ["BATON_JOB_ID"], os.environ["BATON_ATTEMPT"]))
                return {"ok": True}
            """);
        return folder;
    }
}
