using System.Net;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.Core.Secrets;
using Baton.Server.Secrets;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.Secrets;

/// <summary>
/// Master key rotation as docs/security.md describes it, on a running server: a new primary key on top of the key file,
/// a re-wrap, the old key removed — secrets readable throughout and after a restart with the new key alone.
/// </summary>
public sealed class MasterKeyRotationTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "baton-rotation-tests-" + Guid.NewGuid().ToString("N"));

    private string KeyFile => Path.Combine(_dataDirectory, MasterKeyProvider.DefaultFileName);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        if (Directory.Exists(_dataDirectory)) Directory.Delete(_dataDirectory, recursive: true);
        return Task.CompletedTask;
    }

    private Task<ServerHarness> StartAsync(Action<Hosting.ServerOptions>? configure = null) =>
        new ServerHarness(_dataDirectory).StartAsync(o =>
        {
            WebhookScenario.FastDelivery(o);
            configure?.Invoke(o);
        });

    [Fact]
    public async Task Rotating_the_master_key_rewraps_every_data_key_without_a_restart_and_the_old_key_can_then_go()
    {
        await using var receiver = new WebhookReceiver().Start();
        var secrets = new List<(TestTenant Tenant, string WebhookId, string Secret)>();
        string oldId, newId;
        await using (var server = await StartAsync())
        {
            using var admin = server.Client();
            for (var i = 0; i < 2; i++)
            {
                var tenant = await server.CreateTenantAsync();
                var secret = SecretsTestSupport.NewSecret("t" + i);
                var webhook = await SecretsTestSupport.CreateWebhookAsync(tenant, receiver.Url, secret);
                secrets.Add((tenant, webhook.Webhook.Id, secret));
            }
            var before = await admin.GetAsync("/api/v1/system/secrets").ReadAsync<SecretsStatusDto>();
            oldId = before.PrimaryMasterKeyId;
            Assert.Equal(new Dictionary<string, int> { [oldId] = 2 }, before.DataKeysByMasterKey);

            // 1. A new key on top of the file: the running server picks it up by itself.
            newId = MasterKeyFile.AddPrimary(KeyFile, MasterKey.Generate()).Primary.Id;
            await WebhookReceiver.WaitUntilAsync(async () =>
                (await admin.GetAsync("/api/v1/system/secrets").ReadAsync<SecretsStatusDto>()).PrimaryMasterKeyId == newId, Patience, "the server to use the new primary key");

            // 2. Re-wrap: every data key moves to the new key.
            var rewrap = await admin.PostAsync("/api/v1/system/secrets/rewrap", null).ReadAsync<RewrapResultDto>();
            Assert.Equal((newId, 2, 0), (rewrap.PrimaryMasterKeyId, rewrap.Rewrapped, rewrap.RemainingOnOtherKeys));
            var after = await admin.GetAsync("/api/v1/system/secrets").ReadAsync<SecretsStatusDto>();
            Assert.Equal(new Dictionary<string, int> { [newId] = 2 }, after.DataKeysByMasterKey);
            Assert.Equal([newId, oldId], after.MasterKeyIds);

            // 3. The old key goes; nothing stops working.
            MasterKeyFile.KeepOnlyPrimary(KeyFile);
            foreach (var (tenant, webhookId, secret) in secrets) await SecretsTestSupport.AssertPingSignedWithAsync(tenant.Client, receiver, webhookId, secret);
            var audit = await admin.GetAsync("/api/v1/audit?action=installation.*").ReadAsync<ListResponse<AuditEntryDto>>();
            Assert.Equal(2, Assert.Single(audit.Items).Summary.GetProperty("rewrapped").GetInt32());
        }

        // A fresh start with the new key alone opens every data key (nothing cached from before).
        await using var restarted = await StartAsync();
        Assert.Equal([newId], MasterKeyRing.Parse(await File.ReadAllTextAsync(KeyFile), KeyFile).Keys.Select(k => k.Id));
        foreach (var (tenant, webhookId, secret) in secrets)
        {
            using var client = restarted.Client(tenant.AdminKey);
            await SecretsTestSupport.AssertPingSignedWithAsync(client, receiver, webhookId, secret);
        }
    }

    [Fact]
    public async Task A_server_without_the_master_key_that_wrapped_stored_data_keys_refuses_to_start()
    {
        await using (var server = await StartAsync())
        {
            using var tenant = await server.CreateTenantAsync();
            await SecretsTestSupport.CreateWebhookAsync(tenant, "http://127.0.0.1:9/hook", SecretsTestSupport.NewSecret("lost"));
        }
        File.Delete(KeyFile);
        MasterKeyFile.CreateIfMissing(KeyFile, MasterKey.Generate());

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(async () => await StartAsync());
        Assert.Contains("which this server does not hold", refused.Message, StringComparison.Ordinal);
        Assert.Contains("docs/security.md", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Master_keys_from_configuration_need_no_key_file()
    {
        await using var receiver = new WebhookReceiver().Start();
        var configured = MasterKey.Generate();
        await using var server = await StartAsync(o => o.Secrets.MasterKeys = configured.ToBase64());
        using var tenant = await server.CreateTenantAsync();
        var secret = SecretsTestSupport.NewSecret("configured");
        var webhook = await SecretsTestSupport.CreateWebhookAsync(tenant, receiver.Url, secret);

        await SecretsTestSupport.AssertPingSignedWithAsync(tenant.Client, receiver, webhook.Webhook.Id, secret);
        Assert.False(File.Exists(KeyFile));
        using var admin = server.Client();
        var status = await admin.GetAsync("/api/v1/system/secrets").ReadAsync<SecretsStatusDto>();
        Assert.Equal((configured.Id, 1), (status.PrimaryMasterKeyId, status.DataKeysByMasterKey[configured.Id]));
        Assert.DoesNotContain(configured.ToBase64(), await admin.GetStringAsync("/api/v1/system/secrets"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_master_key_setting_stops_the_start_with_a_reason()
    {
        var refused = await Assert.ThrowsAsync<FormatException>(async () => await StartAsync(o => o.Secrets.MasterKeys = "not-a-key"));
        Assert.Contains("Baton:Server:Secrets:MasterKeys", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-key", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_system_admins_see_or_rotate_the_master_keys()
    {
        await using var server = await StartAsync();
        using var tenant = await server.CreateTenantAsync();
        foreach (var role in new[] { "admin", "operator", "viewer" })
        {
            var key = await tenant.Client.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("k-" + role, role)).ReadAsync<CreatedApiKeyDto>(HttpStatusCode.Created);
            using var client = server.Client(key.Secret);
            await client.GetAsync("/api/v1/system/secrets").ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
            await client.PostAsync("/api/v1/system/secrets/rewrap", null).ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        }
        using var anonymous = server.Client(bearer: null);
        await anonymous.GetAsync("/api/v1/system/secrets").ShouldBeAsync(HttpStatusCode.Unauthorized);
    }
}
