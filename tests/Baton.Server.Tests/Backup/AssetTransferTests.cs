using System.Text.Json;
using Baton.Core.Jobs;
using Baton.Core.Secrets;
using Baton.Core.Tenancy;
using Baton.Server.Backup;
using Baton.Server.Hosting;
using Baton.Server.Secrets;
using Baton.Storage;
using Baton.Storage.Blobs;
using Baton.Storage.Model;
using Baton.Storage.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Baton.Server.Tests.Backup;

/// <summary>
/// Assets (and work-item triggers) through <see cref="ConfigurationTransfer"/> between two deployments with different master keys: secrets left out
/// by default, carried under a passphrase on request and sealed again with the target's keys; bad documents refused
/// with nothing written. (The CLI, the prompt and PostgreSQL: <c>ConfigurationTransferTests</c> end to end.)
/// </summary>
public sealed class AssetTransferTests : IAsyncLifetime
{
    private const string Passphrase = "a passphrase for the tests";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "baton-asset-transfer-" + Guid.NewGuid().ToString("N"));
    private Deployment _source = null!;
    private Deployment _target = null!;

    private sealed record Deployment(IBatonStore Store, IBlobStore Blobs, MasterKeyProvider Keys, AssetSecrets Secrets);

    public async Task InitializeAsync()
    {
        _source = await DeploymentAsync("source");
        _target = await DeploymentAsync("target");
        var now = TimeProvider.System.GetUtcNow();
        await _source.Store.Tenants.CreateAsync(new TenantRecord("t-acme", "acme", Tier.Standard, QuotaOverrides.None, now), default);
        var login = await _source.Secrets.ProtectAsync("t-acme", "erp-login", "", "default-pw", default);
        await _source.Store.Assets.SaveAsync(new AssetDefinition("t-acme", "erp-login", "credential", "batch", null, "ERP robot"),
            new AssetValue(null, "robot", login), now, default);
        await _source.Store.Assets.SetOverrideAsync("t-acme", "erp-login", "eu",
            new AssetValue(null, "robot-eu", await _source.Secrets.ProtectAsync("t-acme", "erp-login", "eu", "eu-pw", default)), now, default);
        await _source.Store.Assets.SaveAsync(new AssetDefinition("t-acme", "limits", "json", null, "eu", null), new AssetValue("""{"max":3}"""), now, default);
    }

    public async Task DisposeAsync()
    {
        await _source.Store.DisposeAsync();
        await _target.Store.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private async Task<Deployment> DeploymentAsync(string name)
    {
        var folder = Path.Combine(_root, name);
        var store = new SqliteBatonStore(new SqliteStoreOptions { DatabasePath = Path.Combine(folder, "baton.db") }, TimeProvider.System, RetryPolicy.Default);
        await store.MigrateAsync(default);
        var options = new ServerOptions { DataDirectory = folder };
        options.Secrets.MasterKeys = MasterKey.Generate().ToBase64();
        var keys = new MasterKeyProvider(Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System, NullLogger<MasterKeyProvider>.Instance);
        return new Deployment(store, new FileSystemBlobStore(Path.Combine(folder, "blobs")), keys,
            new AssetSecrets(new EnvelopeSecretProtector(store, keys, TimeProvider.System)));
    }

    private static SecretTransfer Transfer(Deployment deployment, PassphraseSealing sealing) => new(sealing, deployment.Secrets, deployment.Keys);

    [Fact]
    public async Task By_default_secrets_stay_behind_and_the_import_lists_the_credentials_needing_one()
    {
        var document = await ConfigurationTransfer.ExportAsync(_source.Store, _source.Blobs, ["acme"], null, TimeProvider.System, default);
        var json = JsonSerializer.Serialize(document, ConfigurationDocument.Json);
        Assert.DoesNotContain("default-pw", json, StringComparison.Ordinal);
        Assert.DoesNotContain("eu-pw", json, StringComparison.Ordinal);
        Assert.DoesNotContain(ProtectedValue.Prefix, json[json.IndexOf("\"assets\"", StringComparison.Ordinal)..], StringComparison.Ordinal);
        var login = document.Tenants.Single().Assets!.Single(a => a.Name == "erp-login");
        Assert.Equal(new ExportedAssetValue(null, "robot", true, null), login.Value);
        Assert.Null(document.SecretSealing);

        var summary = await ConfigurationTransfer.ImportAsync(_target.Store, _target.Blobs, Roundtrip(document), null, TimeProvider.System, default);
        Assert.Contains("acme: credentials without a secret (set with baton asset set NAME --type credential): erp-login, erp-login (agent group eu)", summary);
        var imported = (await _target.Store.Assets.GetAsync("t-acme", "erp-login", default))!;
        Assert.Equal("batch", imported.Queue);
        Assert.Equal("ERP robot", imported.Description);
        Assert.Equal("robot", imported.Value.Username);
        Assert.Null(imported.Value.Secret);
        Assert.Equal("robot-eu", imported.Overrides["eu"].Username);
        var limits = (await _target.Store.Assets.GetAsync("t-acme", "limits", default))!;
        Assert.Equal("json", limits.Type);
        Assert.Equal("eu", limits.AgentGroup);
        Assert.Equal("""{"max":3}""", limits.Value.Value);
    }

    [Fact]
    public async Task Under_a_passphrase_secrets_move_to_a_deployment_with_other_master_keys()
    {
        var document = Roundtrip(await ConfigurationTransfer.ExportAsync(
            _source.Store, _source.Blobs, ["acme"], Transfer(_source, PassphraseSealing.Create(Passphrase)), TimeProvider.System, default));
        var json = JsonSerializer.Serialize(document, ConfigurationDocument.Json);
        Assert.DoesNotContain("default-pw", json, StringComparison.Ordinal);
        Assert.DoesNotContain(Passphrase, json, StringComparison.Ordinal);

        var sealing = PassphraseSealing.Open(Passphrase, document.SecretSealing!)!;
        var summary = await ConfigurationTransfer.ImportAsync(_target.Store, _target.Blobs, document, Transfer(_target, sealing), TimeProvider.System, default);
        Assert.DoesNotContain(summary, line => line.Contains("without a secret", StringComparison.Ordinal));

        // The source's data key is wrapped by a master key the target lacks: the tenant got a new version under the target's.
        var dataKeys = await _target.Store.DataKeys.ListAsync("t-acme", default);
        Assert.Equal(_target.Keys.Current().Primary.Id, dataKeys[^1].MasterKeyId);
        var imported = (await _target.Store.Assets.GetAsync("t-acme", "erp-login", default))!;
        Assert.Equal("default-pw", await _target.Secrets.RevealAsync("t-acme", "erp-login", "", imported.Value.Secret!, default));
        Assert.Equal("eu-pw", await _target.Secrets.RevealAsync("t-acme", "erp-login", "eu", imported.Overrides["eu"].Secret!, default));
    }

    [Fact]
    public async Task A_document_with_a_bad_asset_or_a_moved_secret_is_refused_and_nothing_is_written()
    {
        var sealing = PassphraseSealing.Create(Passphrase);
        var document = Roundtrip(await ConfigurationTransfer.ExportAsync(_source.Store, _source.Blobs, ["acme"], Transfer(_source, sealing), TimeProvider.System, default));
        var tenant = document.Tenants.Single();
        var login = tenant.Assets!.Single(a => a.Name == "erp-login");
        var limits = tenant.Assets!.Single(a => a.Name == "limits");
        // The override's sealed secret copied onto the default value: bound to its group, it does not open there.
        var moved = login with { Value = login.Value with { Secret = login.Overrides["eu"].Secret } };
        var cases = new (AssetExport Asset, string Expected)[]
        {
            (moved, "does not open with the passphrase"),
            (limits with { Type = "secret" }, "has type 'secret'"),
            (limits with { Value = new ExportedAssetValue("{not json", null, false, null) }, "not JSON"),
            (login with { Value = new ExportedAssetValue("\"x\"", null, false, null) }, "a credential has a username and a secret, not a value"),
            (limits with { Name = "../etc" }, "invalid name"),
        };
        foreach (var (asset, expected) in cases)
        {
            var bad = document with { Tenants = [tenant with { Assets = [asset] }] };
            var refused = await Assert.ThrowsAsync<BackupRefusedException>(() =>
                ConfigurationTransfer.ImportAsync(_target.Store, _target.Blobs, bad, Transfer(_target, sealing), TimeProvider.System, default));
            Assert.Contains(expected, refused.Message, StringComparison.Ordinal);
            Assert.Null(await _target.Store.Tenants.GetAsync("t-acme", default));
        }
        Assert.Null(PassphraseSealing.Open("not the passphrase of it", document.SecretSealing!));
    }

    [Fact]
    public async Task Work_item_triggers_move_with_their_tenant_and_start_afresh_and_a_trigger_of_another_tenant_is_refused()
    {
        var now = TimeProvider.System.GetUtcNow();
        var (trigger, _) = await _source.Store.WorkItemTriggers.SaveAsync(new WorkItemTriggerRecord
        {
            TenantId = "t-acme", Queue = "invoices", Id = "wit-1", PackageName = "invoice-bot", PackageVersion = "1.2.0",
            MaxJobs = 3, MinItems = 2, CreatedAt = now, UpdatedAt = now,
        }, default);
        await _source.Store.WorkItemTriggers.AdvanceSlotAsync(new WorkItemTriggerStart("t-acme", "invoices", trigger.Id, 0, 0, "j-source"), default);
        await _source.Store.WorkItemTriggers.RecordErrorAsync("t-acme", "invoices", trigger.Id, "backlog full", default);

        var document = Roundtrip(await ConfigurationTransfer.ExportAsync(_source.Store, _source.Blobs, ["acme"], null, TimeProvider.System, default));
        Assert.Equal(3, document.Format);
        var tenant = document.Tenants.Single();
        var stranger = tenant with { Triggers = [tenant.Triggers!.Single() with { TenantId = "t-other" }] };
        await Assert.ThrowsAsync<BackupRefusedException>(() =>
            ConfigurationTransfer.ImportAsync(_target.Store, _target.Blobs, document with { Tenants = [stranger] }, null, TimeProvider.System, default));
        Assert.Null(await _target.Store.Tenants.GetAsync("t-acme", default));

        var summary = await ConfigurationTransfer.ImportAsync(_target.Store, _target.Blobs, document, null, TimeProvider.System, default);
        Assert.Contains("1 work-item triggers", summary[0], StringComparison.Ordinal);
        var imported = (await _target.Store.WorkItemTriggers.GetAsync("t-acme", "invoices", default))!;
        Assert.Equal(("invoice-bot", "1.2.0", 3, 2), (imported.PackageName, imported.PackageVersion, imported.MaxJobs, imported.MinItems));
        Assert.Null(imported.LastError);
        Assert.Null(imported.LastStartedAt);
        Assert.Empty(await _target.Store.WorkItemTriggers.ListSlotsAsync("t-acme", "invoices", default));
    }

    /// <summary>Through JSON, as the CLI writes and reads it.</summary>
    private static ConfigurationDocument Roundtrip(ConfigurationDocument document) =>
        JsonSerializer.Deserialize<ConfigurationDocument>(JsonSerializer.Serialize(document, ConfigurationDocument.Json), ConfigurationDocument.Json)!;
}
