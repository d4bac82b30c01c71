using System.Net;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.Core.Secrets;
using Baton.Server.Hosting;
using Baton.Server.Tests.Support;
using Baton.Storage;
using Baton.Storage.Model;
using Microsoft.Extensions.DependencyInjection;

namespace Baton.Server.Tests.Secrets;

/// <summary>
/// Webhook signing secrets at rest, on each backend: nothing in the database holds one in plain text, deliveries are
/// still signed with it, and secrets stored in plain text before encryption existed are sealed at start-up.
/// </summary>
public abstract class SecretsAtRestTests : IAsyncLifetime
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "baton-secrets-tests-" + Guid.NewGuid().ToString("N"));

    protected string DataDirectory => _dataDirectory;

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync()
    {
        if (Directory.Exists(_dataDirectory)) Directory.Delete(_dataDirectory, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>Points the server at this test's backend (SQLite in the data folder, or a fresh PostgreSQL database).</summary>
    protected abstract void UseBackend(ServerOptions options);

    /// <summary>How many places in the whole database hold <paramref name="text"/>.</summary>
    protected abstract Task<int> CountOccurrencesInDatabaseAsync(string text);

    private async Task<ServerHarness> StartAsync() =>
        await new ServerHarness(_dataDirectory).StartAsync(o =>
        {
            WebhookScenario.FastDelivery(o);
            UseBackend(o);
        });

    [Fact]
    public async Task The_database_never_holds_a_webhook_secret_in_plain_text_yet_deliveries_are_signed_with_it()
    {
        await using var receiver = new WebhookReceiver().Start();
        var first = SecretsTestSupport.NewSecret("first");
        var second = SecretsTestSupport.NewSecret("second");
        await using (var server = await StartAsync())
        {
            using var tenant = await server.CreateTenantAsync();
            var webhook = await SecretsTestSupport.CreateWebhookAsync(tenant, receiver.Url, first);
            await SecretsTestSupport.AssertPingSignedWithAsync(tenant.Client, receiver, webhook.Webhook.Id, first);

            await tenant.Client.PatchAsJsonAsync($"/api/v1/webhooks/{webhook.Webhook.Id}", new UpdateWebhookRequest(Secret: second)).ShouldBeAsync(HttpStatusCode.OK);
            await SecretsTestSupport.AssertPingSignedWithAsync(tenant.Client, receiver, webhook.Webhook.Id, second);

            var stored = (await server.Server.Services.GetRequiredService<IBatonStore>().Webhooks.GetAsync(tenant.Tenant.Id, webhook.Webhook.Id, default))!.Secret;
            Assert.StartsWith(ProtectedValue.Prefix, stored, StringComparison.Ordinal);
            // The API never shows it again either.
            var shown = await tenant.Client.GetStringAsync($"/api/v1/webhooks/{webhook.Webhook.Id}");
            Assert.DoesNotContain(second, shown, StringComparison.Ordinal);
        }

        Assert.Equal(0, await CountOccurrencesInDatabaseAsync(first));
        Assert.Equal(0, await CountOccurrencesInDatabaseAsync(second));
        // The sealed values are where the scan looks (the scan finding plain text is shown by the migration test).
        Assert.True(await CountOccurrencesInDatabaseAsync("whsec_") == 0 && await CountOccurrencesInDatabaseAsync(ProtectedValue.Prefix) > 0);
    }

    [Fact]
    public async Task Secrets_stored_in_plain_text_before_encryption_are_sealed_at_start_up_and_still_sign()
    {
        await using var receiver = new WebhookReceiver().Start();
        var legacy = SecretsTestSupport.NewSecret("legacy");
        string tenantId;
        string adminKey;
        await using (var server = await StartAsync())
        {
            using var tenant = await server.CreateTenantAsync();
            (tenantId, adminKey) = (tenant.Tenant.Id, tenant.AdminKey);
            // As an older Baton wrote it: straight into the store, in plain text.
            var now = TimeProvider.System.GetUtcNow();
            await server.Server.Services.GetRequiredService<IBatonStore>().Webhooks.CreateAsync(
                new WebhookRecord(tenantId, "wh_legacy", receiver.Url, legacy, ["*"], true, "from before", now, now, 0), default);
        }
        Assert.True(await CountOccurrencesInDatabaseAsync(legacy) > 0, "the plain-text secret should be there before the restart");

        await using (var server = await StartAsync())
        {
            var stored = (await server.Server.Services.GetRequiredService<IBatonStore>().Webhooks.GetAsync(tenantId, "wh_legacy", default))!.Secret;
            Assert.StartsWith(ProtectedValue.Prefix, stored, StringComparison.Ordinal);
            using var client = server.Client(adminKey);
            await SecretsTestSupport.AssertPingSignedWithAsync(client, receiver, "wh_legacy", legacy);
        }
        Assert.Equal(0, await CountOccurrencesInDatabaseAsync(legacy));
    }
}

public sealed class SqliteSecretsAtRestTests : SecretsAtRestTests
{
    protected override void UseBackend(ServerOptions options)
    {
    }

    protected override Task<int> CountOccurrencesInDatabaseAsync(string text) => Task.FromResult(DatabaseScan.CountInSqlite(DataDirectory, text));

    [Fact]
    public async Task Zero_configuration_keeps_a_generated_master_key_in_the_data_folder_readable_by_its_owner_only()
    {
        await using (var server = await new ServerHarness(DataDirectory).StartAsync())
        {
            var path = Path.Combine(DataDirectory, "master.key");
            Assert.Equal(Path.GetFullPath(path), server.Server.GeneratedMasterKeyFile);
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Single(MasterKeyRing.Parse(await File.ReadAllTextAsync(path), path).Keys);
        }
        // A second start uses the same key and says nothing more.
        await using var again = await new ServerHarness(DataDirectory).StartAsync();
        Assert.Null(again.Server.GeneratedMasterKeyFile);
    }
}

public sealed class PostgresSecretsAtRestTests : SecretsAtRestTests
{
    private TestPostgres? _postgres;

    public override async Task InitializeAsync() => _postgres = await TestPostgres.CreateAsync();

    public override async Task DisposeAsync()
    {
        if (_postgres is not null) await _postgres.DisposeAsync();
        await base.DisposeAsync();
    }

    protected override void UseBackend(ServerOptions options)
    {
        options.Storage = "postgres";
        options.Postgres = _postgres!.AppConnectionString;
        options.PostgresMigration = _postgres.OwnerConnectionString;
    }

    protected override Task<int> CountOccurrencesInDatabaseAsync(string text) =>
        DatabaseScan.CountInPostgresAsync(_postgres!.OwnerConnectionString, text, "webhooks");
}
