using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.EndToEnd.Tests.Support;
using Xunit.Abstractions;

namespace Baton.EndToEnd.Tests;

/// <summary>
/// An embedded Baton backed up while jobs run, the archive verified, restored into a new folder and started as a
/// new server process: every tenant, key, package and schedule is there and a job runs. Damaged archives are refused.
/// </summary>
public sealed class BackupTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly Cluster _cluster = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_backup_taken_under_load_verifies_restores_and_runs_jobs_with_every_tenant_key_package_and_schedule()
    {
        await _cluster.StartServerAsync();
        var original = _cluster.Server;
        await _cluster.StartAgentAsync("agent-1", slots: 2);

        // A second tenant with its own key, package and schedule.
        using var admin = _cluster.Api();
        var created = await admin.PostAsJsonAsync("/api/v1/tenants", new CreateTenantRequest("acme"), Cluster.Json);
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var acmeKey = (await created.Content.ReadFromJsonAsync<CreateTenantResponse>(Cluster.Json))!.AdminKey.Secret;
        var push = await CliRunner.RunAsync(_cluster.CliEnv(acmeKey), "package", "push", Repo.Sample("hello"));
        Assert.True(push.ExitCode == 0, push.ToString());
        var pushDefault = await CliRunner.RunAsync(_cluster.CliEnv(), "package", "push", Repo.Sample("hello"));
        Assert.True(pushDefault.ExitCode == 0, pushDefault.ToString());
        using (var acme = _cluster.Api(acmeKey))
        {
            var schedule = await acme.PostAsJsonAsync("/api/v1/schedules", new CreateScheduleRequest("nightly-hello", "0 3 * * *", "hello", Paused: true), Cluster.Json);
            Assert.True(schedule.IsSuccessStatusCode, await schedule.Content.ReadAsStringAsync());
        }

        // Jobs keep arriving and running while the backup is taken.
        using var stopLoad = new CancellationTokenSource();
        var submitted = 0;
        var load = Task.Run(async () =>
        {
            using var api = _cluster.Api();
            while (!stopLoad.IsCancellationRequested)
            {
                var response = await api.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello"), Cluster.Json, CancellationToken.None);
                Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
                submitted++;
                await Task.Delay(20, CancellationToken.None);
            }
        });
        while (submitted < 20) await Task.Delay(50);
        var archive = Path.Combine(_cluster.Root, "backups", "baton.tar.gz");
        var backup = await CliRunner.RunAsync(_cluster.CliEnv(), "backup", "create", "--data", Path.Combine(_cluster.Root, "server"), "--to", archive);
        await stopLoad.CancelAsync();
        await load;
        output.WriteLine(backup.Stdout);
        Assert.True(backup.ExitCode == 0, backup.ToString());
        Assert.Contains("master key not included", backup.Stdout, StringComparison.Ordinal);

        var verify = await CliRunner.RunAsync(_cluster.CliEnv(), "backup", "verify", archive);
        output.WriteLine(verify.Stdout);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Contains("Backup OK", verify.Stdout, StringComparison.Ordinal);
        Assert.Contains("all 1 package blob(s) present", verify.Stdout, StringComparison.Ordinal);

        // One flipped byte in the middle of the archive: refused, with the reason.
        var damaged = Path.Combine(_cluster.Root, "backups", "damaged.tar.gz");
        var bytes = await File.ReadAllBytesAsync(archive);
        bytes[bytes.Length / 2] ^= 0x5a;
        await File.WriteAllBytesAsync(damaged, bytes);
        var refused = await CliRunner.RunAsync(_cluster.CliEnv(), "backup", "verify", damaged);
        output.WriteLine(refused.Stderr);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("backup refused:", refused.Stderr, StringComparison.Ordinal);

        // Restore into a new folder; a second restore into the same folder is refused and changes nothing.
        var restoredData = Path.Combine(_cluster.Root, "restored");
        // The master key was kept apart from the archive, as docs/security.md asks; it comes back from its own file.
        var restore = await CliRunner.RunAsync(_cluster.CliEnv(), "backup", "restore", archive, "--data", restoredData,
            "--master-key", Path.Combine(_cluster.Root, "server", "master.key"));
        Assert.True(restore.ExitCode == 0, restore.ToString());
        var again = await CliRunner.RunAsync(_cluster.CliEnv(), "backup", "restore", archive, "--data", restoredData);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("is not empty", again.Stderr, StringComparison.Ordinal);

        // The original goes away; the restored copy starts as a new server process.
        await original.DisposeAsync();
        var restored = await _cluster.StartReplicaAsync("restored");
        _cluster.UseServer(restored);

        using (var restoredAdmin = _cluster.Api())
        {
            var tenants = await restoredAdmin.GetStringAsync("/api/v1/tenants");
            Assert.Contains("\"acme\"", tenants, StringComparison.Ordinal);
        }
        using (var acme = _cluster.Api(acmeKey))
        {
            // The tenant's key from before the backup still authenticates; its package and schedule are there.
            var packages = await acme.GetAsync("/api/v1/packages");
            Assert.Equal(HttpStatusCode.OK, packages.StatusCode);
            Assert.Contains("\"hello\"", await packages.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            var schedules = await acme.GetStringAsync("/api/v1/schedules");
            Assert.Contains("nightly-hello", schedules, StringComparison.Ordinal);
            // The package archive itself came back (its bytes, not only its row).
            var download = await acme.GetAsync("/api/v1/packages/hello/1.0.0/download");
            Assert.True(download.IsSuccessStatusCode, $"package download: {download.StatusCode}");
        }
        using (var wrongKey = new HttpClient { BaseAddress = new Uri(_cluster.Url) })
        {
            wrongKey.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "bk_not_a_key_that_was_ever_issued_0000");
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrongKey.GetAsync("/api/v1/packages")).StatusCode);
        }

        // A new agent enrolls with the restored server and runs a new job of the restored tenant's package.
        await _cluster.StartAgentAsync("agent-after-restore", slots: 2);
        using var acmeApi = _cluster.Api(acmeKey);
        await _cluster.StartAgentAsync("acme-agent", slots: 1, key: acmeKey);
        var job = await acmeApi.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello"), Cluster.Json);
        Assert.True(job.IsSuccessStatusCode, await job.Content.ReadAsStringAsync());
        var id = (await job.Content.ReadFromJsonAsync<JobDto>(Cluster.Json))!.Id;
        var done = await _cluster.WaitForJobAsync(id, j => j.State is "succeeded" or "failed", TimeSpan.FromMinutes(2), acmeKey);
        Assert.Equal("succeeded", done.State);
    }
}
