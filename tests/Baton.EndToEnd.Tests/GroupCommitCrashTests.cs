using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.EndToEnd.Tests.Support;
using Baton.Server.Tests.Support;
using Xunit.Abstractions;

namespace Baton.EndToEnd.Tests;

/// <summary>
/// Group commit and a crash: submissions pour in from many clients, the server is killed with SIGKILL in the middle
/// of its batches, and after a restart every acknowledged job exists whole, and every job that exists is whole —
/// acknowledged or not (a batch that committed as the process died) — with nothing duplicated.
/// </summary>
public sealed class GroupCommitCrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Clients = 32;
    private readonly Cluster _cluster = new();
    private TestPostgres? _postgres;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
    }

    [Fact]
    public Task On_sqlite_every_acknowledged_submission_survives_a_kill_9_and_nothing_is_half_written() => RunAsync([]);

    [Fact]
    public async Task On_postgres_every_acknowledged_submission_survives_a_kill_9_and_nothing_is_half_written()
    {
        _postgres = await TestPostgres.CreateAsync();
        await RunAsync(["--storage", "postgres", "--postgres", _postgres.AppConnectionString, "--postgres-migration", _postgres.OwnerConnectionString]);
    }

    private async Task RunAsync(string[] storage)
    {
        var server = await _cluster.StartReplicaAsync("server", 4, storage);
        var push = await CliRunner.RunAsync(_cluster.CliEnv(), "package", "push", Repo.Sample("hello"));
        Assert.True(push.ExitCode == 0, push.ToString());

        // Many clients submit with keys of their own; the server dies once a few hundred are acknowledged.
        var acknowledged = new ConcurrentDictionary<string, string>();
        var sent = new ConcurrentBag<string>();
        var killed = new TaskCompletionSource();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
        {
            using var api = _cluster.Api();
            for (var i = 0; ; i++)
            {
                var key = $"c{client:D2}-{i:D5}";
                sent.Add(key);
                try
                {
                    var response = await api.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello", IdempotencyKey: key), Cluster.Json);
                    if (response.StatusCode == HttpStatusCode.Created)
                    {
                        acknowledged[key] = (await response.Content.ReadFromJsonAsync<JobDto>(Cluster.Json))!.Id;
                        if (acknowledged.Count >= 400 && killed.TrySetResult()) server.KillHard();
                    }
                }
                catch (HttpRequestException)
                {
                    return; // the server is gone
                }
            }
        })));
        await server.WaitForExitAsync(TimeSpan.FromSeconds(10));
        output.WriteLine($"{acknowledged.Count} submissions acknowledged of {sent.Count} sent when the server was killed");

        var again = await _cluster.StartReplicaAsync("server", 4, storage);
        using var restarted = _cluster.Api(url: _cluster.ReplicaUrl(again));

        // Every job that exists has its submission event: nothing half-written.
        var stored = new List<JobDto>();
        string? cursor = null;
        do
        {
            var page = await restarted.GetFromJsonAsync<ListResponse<JobDto>>($"/api/v1/jobs?limit=500{(cursor is null ? "" : "&cursor=" + cursor)}", Cluster.Json);
            stored.AddRange(page!.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        foreach (var job in stored.Take(200))
        {
            var events = await restarted.GetFromJsonAsync<ListResponse<JobEventDto>>($"/api/v1/jobs/{job.Id}/events", Cluster.Json);
            Assert.Equal("submitted", Assert.Single(events!.Items).Type);
        }

        // Every acknowledged job exists, and each key made one job at most: sending every key again creates only the unstored ones.
        var storedIds = stored.Select(j => j.Id).ToHashSet();
        Assert.All(acknowledged.Values, id => Assert.Contains(id, storedIds));
        var keys = acknowledged.Keys.Take(SubmitJobBatchRequest.MaxJobs).ToList();
        var resent = await restarted.PostAsJsonAsync("/api/v1/jobs/batch", new SubmitJobBatchRequest(
            [.. keys.Select(key => new SubmitJobRequest("hello", IdempotencyKey: key))]), Cluster.Json);
        var answer = (await resent.Content.ReadFromJsonAsync<SubmitJobBatchResponse>(Cluster.Json))!;
        Assert.Equal(0, answer.Created);
        Assert.All(answer.Results, r => Assert.Equal(acknowledged[keys[r.Index]], r.Job!.Id));
        output.WriteLine($"{stored.Count} jobs stored after the restart ({stored.Count - acknowledged.Count} committed but never acknowledged)");
        Assert.InRange(stored.Count, acknowledged.Count, sent.Count);
    }
}
