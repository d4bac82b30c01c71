using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Baton.Core.Api;
using Baton.Core.Secrets;
using Baton.Server.Backup;
using Baton.EndToEnd.Tests.Support;
using Baton.Server.Tests.Support;
using Xunit.Abstractions;

namespace Baton.EndToEnd.Tests;

/// <summary>
/// A tenant moved between deployments and backends with <c>baton export</c> / <c>baton import</c>: from an embedded
/// server to a PostgreSQL one (where its old key works, its configuration is there, its credentials reveal the same
/// secrets and its job runs), then back into a new embedded database, the round trip losing nothing; and, with a
/// passphrase, into a deployment with other master keys. No export holds a secret in the clear.
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
    public async Task A_tenant_moves_from_sqlite_to_postgres_and_back_with_its_keys_packages_schedules_assets_and_sealed_secrets()
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
            await PutOkAsync(acme, "/api/v1/assets/erp-url", new SaveAssetRequest("text", Value: JsonSerializer.SerializeToElement("https://erp.example"), Queue: "batch", Description: "ERP"));
            await PutOkAsync(acme, "/api/v1/assets/limits", new SaveAssetRequest("json", Value: JsonSerializer.SerializeToElement(new { max = 3 })));
            await PutOkAsync(acme, "/api/v1/assets/limits/overrides/eu", new AssetOverrideRequest(Value: JsonSerializer.SerializeToElement(new { max = 5 })));
            await PutOkAsync(acme, "/api/v1/assets/erp-login", new SaveAssetRequest("credential", Username: "robot", Secret: DefaultSecret, AgentGroup: "eu"));
            await PutOkAsync(acme, "/api/v1/assets/erp-login/overrides/eu", new AssetOverrideRequest(Username: "robot-eu", Secret: EuSecret));
        }

        // Export from the live embedded server.
        var exported = Path.Combine(_cluster.Root, "acme.json");
        var export = await CliRunner.RunAsync(_cluster.CliEnv(), "export", "--data", Path.Combine(_cluster.Root, "server"), "--tenant", "acme", "--to", exported);
        Assert.True(export.ExitCode == 0, export.ToString());
        var document = await File.ReadAllTextAsync(exported);
        Assert.DoesNotContain("whsec-moved-with-the-tenant", document, StringComparison.Ordinal);
        Assert.DoesNotContain(acmeKey, document, StringComparison.Ordinal);
        AssertNoCredentialSecret(document);
        Assert.DoesNotContain(PassphraseSealing.Prefix, document, StringComparison.Ordinal);
        Assert.Contains("\"hasSecret\": true", document, StringComparison.Ordinal);

        // With a passphrase (from standard input), the secrets travel sealed under it: still never in the clear.
        var withSecrets = Path.Combine(_cluster.Root, "acme-secrets.json");
        var sealedExport = await CliRunner.RunWithInputAsync(null, _cluster.CliEnv(), Passphrase + "\n",
            "export", "--data", Path.Combine(_cluster.Root, "server"), "--tenant", "acme", "--include-secrets", "--to", withSecrets);
        Assert.True(sealedExport.ExitCode == 0, sealedExport.ToString());
        var sealedDocument = await File.ReadAllTextAsync(withSecrets);
        AssertNoCredentialSecret(sealedDocument);
        Assert.Contains(PassphraseSealing.Prefix, sealedDocument, StringComparison.Ordinal);
        Assert.DoesNotContain(Passphrase, sealedDocument, StringComparison.Ordinal);

        // Import into a PostgreSQL deployment that shares the master key, then serve it.
        _postgres = await TestPostgres.CreateAsync();
        var migrate = await CliRunner.RunAsync(_cluster.CliEnv(), "db", "migrate", "--storage", "postgres", "--postgres-migration", _postgres.OwnerConnectionString);
        Assert.True(migrate.ExitCode == 0, migrate.ToString());
        var pgBlobs = Path.Combine(_cluster.Root, "pg-blobs");
        string[] pgStorage = ["--storage", "postgres", "--postgres", _postgres.AppConnectionString, "--blobs", pgBlobs];
        Directory.CreateDirectory(Path.Combine(_cluster.Root, "pg"));
        File.Copy(Path.Combine(_cluster.Root, "server", "master.key"), Path.Combine(_cluster.Root, "pg", "master.key"));
        string[] pgKey = ["--master-key-file", Path.Combine(_cluster.Root, "pg", "master.key")];
        var wrong = await CliRunner.RunWithInputAsync(null, _cluster.CliEnv(), "not the passphrase at all", ["import", withSecrets, .. pgStorage, .. pgKey]);
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("not the passphrase", wrong.Stderr, StringComparison.Ordinal);
        var import = await CliRunner.RunWithInputAsync(null, _cluster.CliEnv(), Passphrase, ["import", withSecrets, .. pgStorage, .. pgKey]);
        output.WriteLine(import.Stdout);
        Assert.True(import.ExitCode == 0, import.ToString());
        Assert.Contains("3 assets", import.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("without a secret", import.Stdout, StringComparison.Ordinal);
        var again = await CliRunner.RunAsync(_cluster.CliEnv(), ["import", exported, .. pgStorage]);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already has tenant 'acme'", again.Stderr, StringComparison.Ordinal);

        await source.DisposeAsync();
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
            Assert.Equal(DefaultSecret, await RevealAsync(acme, "erp-login", group: null));
            Assert.Equal(EuSecret, await RevealAsync(acme, "erp-login", group: "eu"));
            var limits = await acme.GetFromJsonAsync<AssetDto>("/api/v1/assets/limits", Cluster.Json);
            Assert.Equal(5, limits!.Overrides["eu"].Value!.Value.GetProperty("max").GetInt32());
            Assert.Equal("batch", (await acme.GetFromJsonAsync<AssetDto>("/api/v1/assets/erp-url", Cluster.Json))!.Queue);
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
        Assert.Contains("credentials without a secret (set with baton asset set NAME --type credential): erp-login, erp-login (agent group eu)", back.Stdout, StringComparison.Ordinal);
        var roundTrip = await CliRunner.RunAsync(_cluster.CliEnv(), "export", "--data", sqliteAgain, "--tenant", "acme");
        Assert.True(roundTrip.ExitCode == 0, roundTrip.ToString());
        Assert.Equal(Comparable(await File.ReadAllTextAsync(Path.Combine(_cluster.Root, "acme-pg.json"))), Comparable(roundTrip.Stdout));
        Assert.Equal(Comparable(document, lastUsed: false), Comparable(roundTrip.Stdout, lastUsed: false));

        // Into a deployment with other master keys: the passphrase carries the secrets, sealed there under a new data key.
        var pgSealed = await CliRunner.RunWithInputAsync(null, _cluster.CliEnv(), Passphrase,
            ["export", .. pgStorage, .. pgKey, "--tenant", "acme", "--include-secrets", "--to", Path.Combine(_cluster.Root, "acme-pg-secrets.json")]);
        Assert.True(pgSealed.ExitCode == 0, pgSealed.ToString());
        var other = Path.Combine(_cluster.Root, "sqlite-other");
        Assert.Equal(0, (await CliRunner.RunAsync(_cluster.CliEnv(), "db", "migrate", "--data", other)).ExitCode);
        await File.WriteAllTextAsync(Path.Combine(other, "master.key"), MasterKeyRing.Format([MasterKey.Generate()]));
        var otherImport = await CliRunner.RunWithInputAsync(null, _cluster.CliEnv(), Passphrase, "import", Path.Combine(_cluster.Root, "acme-pg-secrets.json"), "--data", other);
        Assert.True(otherImport.ExitCode == 0, otherImport.ToString());
        const string OtherPassphrase = "another passphrase for the check";
        var otherExport = await CliRunner.RunWithInputAsync(null, _cluster.CliEnv(), OtherPassphrase, "export", "--data", other, "--tenant", "acme", "--include-secrets");
        Assert.True(otherExport.ExitCode == 0, otherExport.ToString());
        var reexported = JsonSerializer.Deserialize<ConfigurationDocument>(otherExport.Stdout, ConfigurationDocument.Json)!;
        var sealing = PassphraseSealing.Open(OtherPassphrase, reexported.SecretSealing!)!;
        var login = reexported.Tenants.Single().Assets!.Single(a => a.Name == "erp-login");
        Assert.True(sealing.TryOpen("erp-login", "", login.Value.Secret!, out var opened) && opened == DefaultSecret);
        Assert.True(sealing.TryOpen("erp-login", "eu", login.Overrides["eu"].Secret!, out var openedEu) && openedEu == EuSecret);
        Assert.False(sealing.TryOpen("erp-login", "", login.Overrides["eu"].Secret!, out _));
    }

    private const string DefaultSecret = "s3cret-default-password";
    private const string EuSecret = "s3cret-eu-password";
    private const string Passphrase = "correct horse battery staple";

    private static void AssertNoCredentialSecret(string document)
    {
        Assert.DoesNotContain(DefaultSecret, document, StringComparison.Ordinal);
        Assert.DoesNotContain(EuSecret, document, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", document, StringComparison.Ordinal);
    }

    private static async Task<string> RevealAsync(HttpClient api, string name, string? group)
    {
        var response = await api.PostAsync($"/api/v1/assets/{name}/reveal{(group is null ? "" : "?group=" + group)}", null);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<RevealedCredentialDto>(Cluster.Json))!.Secret;
    }

    private static async Task PutOkAsync<T>(HttpClient api, string path, T body)
    {
        var response = await api.PutAsJsonAsync(path, body, Cluster.Json);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {await response.Content.ReadAsStringAsync()}");
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
            // Whether a secret came along depends on how each step exported; the test checks the secrets themselves.
            foreach (var asset in tenant["assets"]!.AsArray())
            {
                foreach (var value in asset!["overrides"]!.AsObject().Select(o => o.Value).Prepend(asset["value"]))
                {
                    value!.AsObject().Remove("hasSecret");
                    value.AsObject().Remove("secret");
                }
            }
        }
        return tenants.ToJsonString();
    }
}
