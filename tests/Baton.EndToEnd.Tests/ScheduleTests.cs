using System.Diagnostics;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.EndToEnd.Tests.Support;
using Baton.Server.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace Baton.EndToEnd.Tests;

/// <summary>
/// Schedules with real processes: an every-2-seconds schedule creates jobs on time that a real agent
/// runs with real Python; two server replicas on one PostgreSQL make exactly one job per fire.
/// </summary>
public sealed class ScheduleTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly Cluster _cluster = new();
    private TestPostgres? _postgres;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
    }

    [Fact]
    public async Task An_every_two_seconds_schedule_creates_jobs_on_time_that_run_to_success()
    {
        await _cluster.StartServerAsync();
        await _cluster.StartAgentAsync("agent-1", slots: 2);
        var env = _cluster.CliEnv();
        var push = await CliRunner.RunAsync(env, "package", "push", Repo.Sample("hello"));
        Assert.True(push.ExitCode == 0, push.ToString());

        var create = await CliRunner.RunAsync(env, "schedule", "create", "every-2s", "--cron", "*/2 * * * * *", "--package", "hello", "--input", "name=Ada");
        Assert.True(create.ExitCode == 0, create.ToString());

        using var api = _cluster.Api();
        var succeeded = await WaitAsync(async () =>
        {
            var jobs = (await api.GetFromJsonAsync<ListResponse<JobDto>>("/api/v1/jobs?package=hello&limit=100", Cluster.Json))!.Items;
            return jobs.Count(j => j.State == "succeeded") >= 3 ? jobs : null;
        }, TimeSpan.FromSeconds(60), "three scheduled jobs to succeed");

        var pause = await CliRunner.RunAsync(env, "schedule", "pause", "every-2s");
        Assert.True(pause.ExitCode == 0, pause.ToString());
        foreach (var job in succeeded.Where(j => j.State == "succeeded"))
        {
            // Fires are on even seconds; each job was submitted within a second of its fire and greeted Ada.
            var fire = new DateTimeOffset(job.SubmittedAt.Ticks - job.SubmittedAt.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
            if (fire.Second % 2 == 1) fire = fire.AddSeconds(-1);
            output.WriteLine($"{job.Id}: fire {fire:HH:mm:ss} submitted +{(job.SubmittedAt - fire).TotalMilliseconds:0} ms, finished {job.FinishedAt:HH:mm:ss.fff}");
            Assert.InRange((job.SubmittedAt - fire).TotalMilliseconds, 0, 1500);
            Assert.Equal("Hello, Ada!", job.Result!.Value.GetProperty("greeting").GetString());
        }
        var distinctSeconds = succeeded.Select(j => j.SubmittedAt.ToUnixTimeSeconds() / 2).Distinct().Count();
        Assert.Equal(succeeded.Count, distinctSeconds);

        var show = await CliRunner.RunAsync(env, "schedule", "show", "every-2s", "--json");
        Assert.Contains("\"paused\": true", show.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_replicas_on_postgres_make_exactly_one_job_per_fire()
    {
        _postgres = await TestPostgres.CreateAsync();
        string[] storage =
        [
            "--storage", "postgres", "--postgres", _postgres.AppConnectionString,
            "--postgres-migration", _postgres.OwnerConnectionString, "--blobs", Path.Combine(_cluster.Root, "blobs"),
        ];
        await _cluster.StartReplicaAsync("replica-a", 4, storage);
        await _cluster.StartReplicaAsync("replica-b", 4, storage);
        var env = _cluster.CliEnv();
        Assert.Equal(0, (await CliRunner.RunAsync(env, "package", "push", Repo.Sample("hello"))).ExitCode);
        var create = await CliRunner.RunAsync(env, "schedule", "create", "racy", "--cron", "* * * * * *", "--package", "hello");
        Assert.True(create.ExitCode == 0, create.ToString());

        // Both replicas run the scheduler role; let them race for eight fires.
        var counts = await WaitAsync(async () =>
        {
            var rows = await FireCountsAsync();
            return rows.Count >= 8 ? rows : null;
        }, TimeSpan.FromSeconds(60), "eight fires");
        Assert.Equal(0, (await CliRunner.RunAsync(env, "schedule", "pause", "racy")).ExitCode);
        counts = await FireCountsAsync();
        output.WriteLine($"{counts.Count} fires: {string.Join(", ", counts.Select(c => $"{c.Key[^13..]}×{c.Value}"))}");
        Assert.All(counts, c => Assert.Equal(1, c.Value));
        // Consecutive fires: one per second, none lost between the first and the last.
        var seconds = counts.Keys.Select(k => DateTimeOffset.Parse(k[(k.IndexOf(":20", StringComparison.Ordinal) + 1)..], System.Globalization.CultureInfo.InvariantCulture)).Order().ToList();
        Assert.Equal(seconds.Count, (int)(seconds[^1] - seconds[0]).TotalSeconds + 1);
    }

    private async Task<Dictionary<string, long>> FireCountsAsync()
    {
        await using var connection = new NpgsqlConnection(_postgres!.OwnerConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        // The owner sees tenant rows only in the system scope (RLS is forced).
        await using (var scope = new NpgsqlCommand("SELECT set_config('baton.system', 'on', true);", connection, transaction)) await scope.ExecuteNonQueryAsync();
        await using var command = new NpgsqlCommand(
            "SELECT idempotency_key, COUNT(*) FROM jobs WHERE idempotency_key LIKE 'schedule:%' GROUP BY idempotency_key;", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync();
        var counts = new Dictionary<string, long>();
        while (await reader.ReadAsync()) counts[reader.GetString(0)] = reader.GetInt64(1);
        return counts;
    }

    private static async Task<T> WaitAsync<T>(Func<Task<T?>> probe, TimeSpan within, string what) where T : class
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < within)
        {
            if (await probe() is { } value) return value;
            await Task.Delay(250);
        }
        throw new TimeoutException($"Timed out after {within.TotalSeconds:0} s waiting for {what}.");
    }
}
