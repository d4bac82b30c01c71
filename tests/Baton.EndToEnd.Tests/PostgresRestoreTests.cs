using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.EndToEnd.Tests.Support;
using Baton.Server.Tests.Support;
using Xunit.Abstractions;

namespace Baton.EndToEnd.Tests;

/// <summary>
/// A PostgreSQL Baton backed up with <c>baton backup create --postgres</c>, restored with <c>baton backup restore
/// --postgres</c> into a new database and blob folder, and served by a new server process: every tenant, key,
/// package, schedule and finished job is there and a new agent runs a new job in Python. The backup is taken while
/// jobs are submitted and run; a damaged archive and a second restore into the same database are refused.
/// </summary>
public sealed class PostgresRestoreTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly Cluster _cluster = new();
    private TestPostgres? _source;
    private TestPostgres? _target;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        if (_source is not null) await _source.DisposeAsync();
        if (_target is not null) await _target.DisposeAsync();
    }

    [Fact]
    public async Task A_postgres_backup_restored_into_a_new_database_keeps_everything_and_runs_a_new_job()
    {
        _source = await TestPostgres.CreateAsync();
        _target = await TestPostgres.CreateAsync();
        var original = await _cluster.StartReplicaAsync("server", 4, Storage(_source, "blobs"));
        _cluster.UseServer(original);
        using var admin = _cluster.Api();
        var created = await admin.PostAsJsonAsync("/api/v1/tenants", new CreateTenantRequest("acme"), Cluster.Json);
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var acmeKey = (await created.Content.ReadFromJsonAsync<CreateTenantResponse>(Cluster.Json))!.AdminKey.Secret;
        var push = await CliRunner.RunAsync(_cluster.CliEnv(acmeKey), "package", "push", Repo.Sample("hello"));
        Assert.True(push.ExitCode == 0, push.ToString());
        string finished;
        using (var acme = _cluster.Api(acmeKey))
        {
            var schedule = await acme.PostAsJsonAsync("/api/v1/schedules", new CreateScheduleRequest("nightly-hello", "0 3 * * *", "hello", Paused: true), Cluster.Json);
            Assert.True(schedule.IsSuccessStatusCode, await schedule.Content.ReadAsStringAsync());
            await _cluster.StartAgentAsync("acme-agent", slots: 1, key: acmeKey);
            finished = await RunJobAsync(acme, acmeKey);
        }

        // Jobs keep arriving and running while the backup is taken: the snapshot, not a quiet moment, makes it consistent.
        using var stopLoad = new CancellationTokenSource();
        var submitted = 0;
        var load = Task.Run(async () =>
        {
            using var api = _cluster.Api(acmeKey);
            while (!stopLoad.IsCancellationRequested)
            {
                var response = await api.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello"), Cluster.Json, CancellationToken.None);
                Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
                Interlocked.Increment(ref submitted);
                await Task.Delay(100, CancellationToken.None);
            }
        });
        while (Volatile.Read(ref submitted) < 5) await Task.Delay(50);
        var archive = Path.Combine(_cluster.Root, "backups", "baton.tar.gz");
        var backup = await CliRunner.RunAsync(_cluster.CliEnv(), "backup", "create", "--postgres", _source.OwnerConnectionString,
            "--blobs", Path.Combine(_cluster.Root, "blobs"), "--to", archive);
        await stopLoad.CancelAsync();
        await load;
        output.WriteLine(backup.Stdout);
        Assert.True(backup.ExitCode == 0, backup.ToString());

        // A damaged archive is refused before the target is touched.
        var damaged = Path.Combine(_cluster.Root, "backups", "damaged.tar.gz");
        var bytes = await File.ReadAllBytesAsync(archive);
        bytes[bytes.Length / 2] ^= 0x5a;
        await File.WriteAllBytesAsync(damaged, bytes);
        var restoredBlobs = Path.Combine(_cluster.Root, "restored-blobs");
        var refused = await CliRunner.RunAsync(_cluster.CliEnv(), "backup", "restore", damaged, "--postgres", _target.OwnerConnectionString, "--blobs", restoredBlobs);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("backup refused:", refused.Stderr, StringComparison.Ordinal);

        var restore = await CliRunner.RunAsync(_cluster.CliEnv(), "backup", "restore", archive, "--postgres", _target.OwnerConnectionString, "--blobs", restoredBlobs);
        output.WriteLine(restore.Stdout);
        output.WriteLine(restore.Stderr);
        Assert.True(restore.ExitCode == 0, restore.ToString());
        Assert.Contains("row counts and content checksums match in all", restore.Stdout, StringComparison.Ordinal);
        Assert.Contains("restoring the database with pg_restore", restore.Stderr, StringComparison.Ordinal);
        var again = await CliRunner.RunAsync(_cluster.CliEnv(), "backup", "restore", archive, "--postgres", _target.OwnerConnectionString, "--blobs", restoredBlobs);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("is not empty", again.Stderr, StringComparison.Ordinal);

        // The original goes away; a new server process serves the restored database with the source's master key.
        await original.DisposeAsync();
        Directory.CreateDirectory(Path.Combine(_cluster.Root, "restored"));
        File.Copy(Path.Combine(_cluster.Root, "server", "master.key"), Path.Combine(_cluster.Root, "restored", "master.key"));
        var restored = await _cluster.StartReplicaAsync("restored", 4, Storage(_target, "restored-blobs"));
        _cluster.UseServer(restored);
        using (var restoredAdmin = _cluster.Api())
        {
            Assert.Contains("\"acme\"", await restoredAdmin.GetStringAsync("/api/v1/tenants"), StringComparison.Ordinal);
        }
        using (var acme = _cluster.Api(acmeKey))
        {
            Assert.Contains("nightly-hello", await acme.GetStringAsync("/api/v1/schedules"), StringComparison.Ordinal);
            Assert.Equal("succeeded", (await acme.GetFromJsonAsync<JobDto>($"/api/v1/jobs/{finished}", Cluster.Json))!.State);
            var download = await acme.GetAsync("/api/v1/packages/hello/1.0.0/download");
            Assert.True(download.IsSuccessStatusCode, $"package download: {download.StatusCode}");

            await _cluster.StartAgentAsync("acme-agent-after-restore", slots: 1, key: acmeKey);
            await RunJobAsync(acme, acmeKey);
        }
    }

    private async Task<string> RunJobAsync(HttpClient api, string key)
    {
        var job = await api.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello"), Cluster.Json);
        Assert.True(job.IsSuccessStatusCode, await job.Content.ReadAsStringAsync());
        var id = (await job.Content.ReadFromJsonAsync<JobDto>(Cluster.Json))!.Id;
        var done = await _cluster.WaitForJobAsync(id, j => j.State is "succeeded" or "failed", TimeSpan.FromMinutes(2), key);
        Assert.True(done.State == "succeeded", $"job {id} ended {done.State}: {System.Text.Json.JsonSerializer.Serialize(done)}\n{await _cluster.LogsAsync(id, key)}");
        return id;
    }

    private string[] Storage(TestPostgres database, string blobs) =>
    [
        "--storage", "postgres", "--postgres", database.AppConnectionString,
        "--postgres-migration", database.OwnerConnectionString, "--blobs", Path.Combine(_cluster.Root, blobs),
    ];
}
