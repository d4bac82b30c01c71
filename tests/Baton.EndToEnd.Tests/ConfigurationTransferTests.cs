using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Baton.Core.Api;
using Baton.EndToEnd.Tests.Support;
using Baton.Server.Tests.Support;
using Xunit.Abstractions;

namespace Baton.EndToEnd.Tests;

/// <summary>
/// A tenant moved between deployments and backends with <c>baton export</c> / <c>baton import</c>: from an embedded
/// server to a PostgreSQL one (where its old key works, its configuration is there and its job runs), then back into
/// a new embedded database, the round trip losing nothing.
/// </summary>
public sealed class ConfigurationTransferTests(ITestOutputHelper output) : IAsyncLifetime
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
    public async Task A_tenant_moves_from_sqlite_to_postgres_and_back_with_its_keys_packages_schedules_and_sealed_secrets()
    {
        await _cluster.StartServerAsync();
        var source = _cluster.Server;
        using var admin = _cluster.Api();
        var created = await admin.PostAsJsonAsync("/api/v1/tenants", new CreateTenantRequest("acme", Quotas: new Baton.Core.Tenancy.QuotaOverrides(Schedules: 7)), Cluster.Json);
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var acmeKey = (await created.Content.ReadFromJsonAsync<CreateTenantResponse>(Cluster.Json))!.AdminKey.Secret;
        var push = await CliRunner.RunAsync(_cluster.CliEnv(acmeKey), "package", "push", Repo.Sample("hello"));
        Assert.True(push.ExitCode == 0, push.ToString());
        using (var acme = _cluster.Api(acmeKey))
        {
            await PostOkAsync(acme, "/api/v1/queues", new CreateQueueRequest("batch", Priority: 3, MaxConcurrency: 2));
            await PostOkAsync(acme, "/api/v1/calendars", new CalendarRequest("office", Holidays: [new DateOnly(2026, 12, 25)], TimeZone: "Europe/London"));
            await PostOkAsync(acme, "/api/v1/schedules", new CreateScheduleRequest("nightly-hello", "0 3 * * *", "hello", Queue: "batch", Calendar: "office", Paused: true));
            await PostOkAsync(acme, "/api/v1/webhooks", new CreateWebhookRequest("https://93.184.216.34/baton-hooks", Secret: "whsec-moved-with-the-tenant"));
        }

        // Export from the live embedded server.
        var exported = Path.Combine(_cluster.Root, "acme.json");
        var export = await CliRunner.RunAsync(_cluster.CliEnv(), "export", "--data", Path.Combine(_cluster.Root, "server"), "--tenant", "acme", "--to", exported);
        Assert.True(export.ExitCode == 0, export.ToString());
        var document = await File.ReadAllTextAsync(exported);
        Assert.DoesNotContain("whsec-moved-with-the-tenant", document, StringComparison.Ordinal);
        Assert.DoesNotContain(acmeKey, document, StringComparison.Ordinal);

        // Import into a PostgreSQL deployment that shares the master key, then serve it.
        _postgres = await TestPostgres.CreateAsync();
        var migrate = await CliRunner.RunAsync(_cluster.CliEnv(), "db", "migrate", "--storage", "postgres", "--postgres-migration", _postgres.OwnerConnectionString);
        Assert.True(migrate.ExitCode == 0, migrate.ToString());
        var pgBlobs = Path.Combine(_cluster.Root, "pg-blobs");
        string[] pgStorage = ["--storage", "postgres", "--postgres", _postgres.AppConnectionString, "--blobs", pgBlobs];
        var import = await CliRunner.RunAsync(_cluster.CliEnv(), ["import", exported, .. pgStorage]);
        output.WriteLine(import.Stdout);
        Assert.True(import.ExitCode == 0, import.ToString());
        var again = await CliRunner.RunAsync(_cluster.CliEnv(), ["import", exported, .. pgStorage]);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already has tenant 'acme'", again.Stderr, StringComparison.Ordinal);

        await source.DisposeAsync();
        Directory.CreateDirectory(Path.Combine(_cluster.Root, "pg"));
        File.Copy(Path.Combine(_cluster.Root, "server", "master.key"), Path.Combine(_cluster.Root, "pg", "master.key"));
        var target = await _cluster.StartReplicaAsync("pg", 4, [.. pgStorage, "--postgres-migration", _postgres.OwnerConnectionString]);
        _cluster.UseServer(target);
        using (var acme = _cluster.Api(acmeKey))
        {
            var schedules = await acme.GetStringAsync("/api/v1/schedules");
            Assert.Contains("nightly-hello", schedules, StringComparison.Ordinal);
            Assert.Contains("\"batch\"", await acme.GetStringAsync("/api/v1/queues"), StringComparison.Ordinal);
            Assert.Contains("office", await acme.GetStringAsync("/api/v1/calendars"), StringComparison.Ordinal);
            Assert.Contains("93.184.216.34", await acme.GetStringAsync("/api/v1/webhooks"), StringComparison.Ordinal);
            var tenant = await acme.GetStringAsync("/api/v1/tenant");
            Assert.Contains("\"schedules\":7", tenant.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        }
        await _cluster.StartAgentAsync("acme-agent", slots: 1, key: acmeKey);
        using (var acme = _cluster.Api(acmeKey))
        {
            var job = await acme.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello", Queue: "batch"), Cluster.Json);
            Assert.True(job.IsSuccessStatusCode, await job.Content.ReadAsStringAsync());
            var id = (await job.Content.ReadFromJsonAsync<JobDto>(Cluster.Json))!.Id;
            Assert.Equal("succeeded", (await _cluster.WaitForJobAsync(id, j => j.State is "succeeded" or "failed", TimeSpan.FromMinutes(2), acmeKey)).State);
        }

        // Export from PostgreSQL (sealed secrets and wrapped data keys exactly as imported).
        var secrets = await CliRunner.RunAsync(_cluster.CliEnv(), ["export", .. pgStorage, "--tenant", "acme", "--to", Path.Combine(_cluster.Root, "acme-pg.json")]);
        Assert.True(secrets.ExitCode == 0, secrets.ToString());

        // Back into a new embedded database: the same configuration comes out again.
        var sqliteAgain = Path.Combine(_cluster.Root, "sqlite-again");
        Assert.Equal(0, (await CliRunner.RunAsync(_cluster.CliEnv(), "db", "migrate", "--data", sqliteAgain)).ExitCode);
        var back = await CliRunner.RunAsync(_cluster.CliEnv(), "import", Path.Combine(_cluster.Root, "acme-pg.json"), "--data", sqliteAgain);
        Assert.True(back.ExitCode == 0, back.ToString());
        var roundTrip = await CliRunner.RunAsync(_cluster.CliEnv(), "export", "--data", sqliteAgain, "--tenant", "acme");
        Assert.True(roundTrip.ExitCode == 0, roundTrip.ToString());
        Assert.Equal(Comparable(await File.ReadAllTextAsync(Path.Combine(_cluster.Root, "acme-pg.json"))), Comparable(roundTrip.Stdout));
        Assert.Equal(Comparable(document, lastUsed: false), Comparable(roundTrip.Stdout, lastUsed: false));
    }

    private static async Task PostOkAsync<T>(HttpClient api, string path, T body)
    {
        var response = await api.PostAsJsonAsync(path, body, Cluster.Json);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>The tenants part, without what legitimately differs between deployments (event cursors, key use, when).</summary>
    private static string Comparable(string json, bool lastUsed = true)
    {
        var tenants = JsonNode.Parse(json)!["tenants"]!;
        foreach (var tenant in tenants.AsArray())
        {
            foreach (var webhook in tenant!["webhooks"]!.AsArray()) webhook!.AsObject().Remove("eventCursor");
            foreach (var schedule in tenant["schedules"]!.AsArray())
            {
                schedule!.AsObject().Remove("lastJobId");
                schedule.AsObject().Remove("updatedAt");
            }
            if (!lastUsed) foreach (var key in tenant["apiKeys"]!.AsArray()) key!.AsObject().Remove("lastUsedAt");
        }
        return tenants.ToJsonString();
    }
}
