using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Baton.Core.Api;
using Baton.EndToEnd.Tests.Support;

namespace Baton.EndToEnd.Tests;

/// <summary>A server and an agent for the asset and checkpoint tests, with their two packages pushed.</summary>
public sealed class AssetJobFixture : IAsyncLifetime
{
    public Cluster Cluster { get; } = new();

    public async Task InitializeAsync()
    {
        await Cluster.StartServerAsync();
        await Cluster.StartAgentAsync("asset-agent", slots: 2);
        await PushAsync("assets-demo", "max_attempts: 1\n", """
            import baton

            def main():
                greeting = baton.asset("greeting")
                login = baton.credential("db")
                print("greeting:", greeting)
                print("login:", login)
                print("connecting as " + login.username + " with " + login.secret)
                return {"greeting": greeting, "user": login.username, "secretLength": len(login.secret), "limit": baton.asset("limit")}
            """);
        await PushAsync("resume-demo", "max_attempts: 2\n", """
            import os
            import baton

            def main():
                state = baton.last_checkpoint()
                if state is None:
                    for page in range(3):
                        baton.checkpoint({"pages": page + 1})
                        baton.heartbeat()
                    raise RuntimeError("attempt 1 fails after its checkpoint")
                return {"resumedFrom": state["pages"], "attempt": int(os.environ["BATON_ATTEMPT"])}
            """);
    }

    private async Task PushAsync(string name, string manifestExtra, string code)
    {
        var folder = Path.Combine(Cluster.Root, "packages", name);
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "baton.yaml"), $"name: {name}\nversion: 1.0.0\nentrypoint: main:main\ntimeout: 60s\n{manifestExtra}");
        await File.WriteAllTextAsync(Path.Combine(folder, "main.py"), code);
        var push = await CliRunner.RunAsync(Cluster.CliEnv(), "package", "push", folder);
        if (push.ExitCode != 0) throw new InvalidOperationException($"Pushing {name} failed: {push}");
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>
/// Real server, agent and Python: a job reads an asset and a credential set through the CLI, and the credential's secret
/// appears nowhere it should not — the job's log, the CLI's lists, the database file; a job that fails after a checkpoint
/// resumes from it on its next attempt.
/// </summary>
public sealed class AssetJobTests(AssetJobFixture fixture) : IClassFixture<AssetJobFixture>
{
    private Cluster Cluster => fixture.Cluster;

    [Fact]
    public async Task A_job_reads_an_asset_and_a_credential_whose_secret_is_masked_in_its_log_and_absent_from_lists_and_the_database()
    {
        var secret = "e2e-Pa55-" + Guid.NewGuid().ToString("N");
        var env = Cluster.CliEnv();
        var greeting = await CliRunner.RunAsync(env, "asset", "set", "greeting", "--value", "Hello from an asset");
        Assert.True(greeting.ExitCode == 0, greeting.ToString());
        var limit = await CliRunner.RunAsync(env, "asset", "set", "limit", "--type", "number", "--value", "12");
        Assert.True(limit.ExitCode == 0, limit.ToString());
        // The secret travels on standard input only, never in the command's arguments.
        var credential = await CliRunner.RunWithInputAsync(null, env, secret + "\n", "asset", "set", "db", "--type", "credential", "--username", "svc-bot");
        Assert.True(credential.ExitCode == 0, credential.ToString());

        var run = await CliRunner.RunAsync(env, "job", "run", "assets-demo", "--wait", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var job = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal("succeeded", job.GetProperty("state").GetString());
        var result = job.GetProperty("result");
        Assert.Equal(("Hello from an asset", "svc-bot", secret.Length, 12),
            (result.GetProperty("greeting").GetString(), result.GetProperty("user").GetString(), result.GetProperty("secretLength").GetInt32(), result.GetProperty("limit").GetInt32()));

        var logs = await Cluster.LogsAsync(job.GetProperty("id").GetString()!);
        Assert.Contains("connecting as svc-bot with ***", logs, StringComparison.Ordinal);
        Assert.Contains("login: Credential('db', username='svc-bot', secret=***)", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);

        var list = await CliRunner.RunAsync(env, "asset", "list", "--json");
        var show = await CliRunner.RunAsync(env, "asset", "get", "db", "--json");
        Assert.Equal((0, 0), (list.ExitCode, show.ExitCode));
        Assert.Contains("svc-bot", list.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, list.Stdout + show.Stdout, StringComparison.Ordinal);
        using (var api = Cluster.Api())
        {
            Assert.DoesNotContain(secret, await api.GetStringAsync("/api/v1/assets"), StringComparison.Ordinal);
        }

        // The admin can read it back, and that read is in the audit log.
        var reveal = await CliRunner.RunAsync(env, "asset", "get", "db", "--reveal");
        Assert.Equal(secret, reveal.Stdout.Trim());
        using (var api = Cluster.Api())
        {
            var audit = await api.GetFromJsonAsync<ListResponse<AuditEntryDto>>("/api/v1/audit?action=asset.revealed", Cluster.Json);
            Assert.Contains(audit!.Items, e => e.TargetId == "db");
        }

        Assert.Equal(0, CountInDatabase(secret));
    }

    [Fact]
    public async Task A_job_that_fails_after_a_checkpoint_resumes_from_it_on_its_next_attempt()
    {
        var run = await CliRunner.RunAsync(Cluster.CliEnv(), "job", "run", "resume-demo", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var jobId = JsonDocument.Parse(run.Stdout).RootElement.GetProperty("id").GetString()!;

        var done = await Cluster.WaitForJobAsync(jobId, j => j.State is "succeeded" or "failed" or "cancelled" or "timed_out", TimeSpan.FromSeconds(90));
        Assert.True(done.State == "succeeded", $"{done.State}: {done.Error}\n{await Cluster.LogsAsync(jobId)}");
        Assert.Equal((3, 2), (done.Result!.Value.GetProperty("resumedFrom").GetInt32(), done.Result.Value.GetProperty("attempt").GetInt32()));
        Assert.Equal(2, done.Attempt);
    }

    /// <summary>The server's SQLite files, byte for byte.</summary>
    private int CountInDatabase(string text)
    {
        var needle = Encoding.UTF8.GetBytes(text);
        var files = Directory.GetFiles(Path.Combine(Cluster.Root, "server"), "baton.db*");
        Assert.NotEmpty(files);
        return files.Sum(file => File.ReadAllBytes(file).AsSpan().IndexOf(needle) >= 0 ? 1 : 0);
    }
}
