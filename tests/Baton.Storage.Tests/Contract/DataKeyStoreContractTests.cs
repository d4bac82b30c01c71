using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>Tenants' wrapped data keys (first writer wins, re-wrapped by compare-and-set) and stored webhook secrets replaced the same way.</summary>
public abstract class DataKeyStoreContractTests : StoreContractTests
{
    private DataKeyRecord Key(string tenant, int version, string master = "mk_old", string wrapped = "wrapped") =>
        new(tenant, version, master, $"{wrapped}-{tenant}-{version}", Time.GetUtcNow());

    [Fact]
    public async Task A_version_is_added_once_and_read_only_within_its_tenant()
    {
        var acme = await CreateTenantAsync("acme");
        var globex = await CreateTenantAsync("globex");

        Assert.True(await Store.DataKeys.AddAsync(Key(acme, 1), Ct));
        Assert.False(await Store.DataKeys.AddAsync(Key(acme, 1, wrapped: "late"), Ct));
        Assert.True(await Store.DataKeys.AddAsync(Key(acme, 2), Ct));

        var keys = await Store.DataKeys.ListAsync(acme, Ct);
        Assert.Equal([1, 2], keys.Select(k => k.Version));
        Assert.Equal(Key(acme, 1), keys[0]);
        Assert.Empty(await Store.DataKeys.ListAsync(globex, Ct));
    }

    [Fact]
    public async Task Rewrapping_is_a_compare_and_set_and_the_counts_follow_it()
    {
        var acme = await CreateTenantAsync("acme");
        var globex = await CreateTenantAsync("globex");
        await Store.DataKeys.AddAsync(Key(acme, 1), Ct);
        await Store.DataKeys.AddAsync(Key(globex, 1), Ct);
        await Store.DataKeys.AddAsync(Key(globex, 2, master: "mk_new"), Ct);

        var stale = await Store.DataKeys.ListWrappedWithOtherKeysAsync("mk_new", 10, Ct);
        Assert.Equal([(acme, 1), (globex, 1)], stale.Select(k => (k.TenantId, k.Version)).Order());
        Assert.Equal(new Dictionary<string, int> { ["mk_old"] = 2, ["mk_new"] = 1 }, await Store.DataKeys.CountByMasterKeyAsync(Ct));

        Assert.True(await Store.DataKeys.RewrapAsync(stale[0], "mk_new", "rewrapped", Ct));
        Assert.False(await Store.DataKeys.RewrapAsync(stale[0], "mk_other", "again", Ct));

        var rewrapped = (await Store.DataKeys.ListAsync(stale[0].TenantId, Ct)).Single(k => k.Version == 1);
        Assert.Equal(("mk_new", "rewrapped"), (rewrapped.MasterKeyId, rewrapped.WrappedKey));
        Assert.Single(await Store.DataKeys.ListWrappedWithOtherKeysAsync("mk_new", 10, Ct));
        Assert.Equal(new Dictionary<string, int> { ["mk_old"] = 1, ["mk_new"] = 2 }, await Store.DataKeys.CountByMasterKeyAsync(Ct));
    }

    [Fact]
    public async Task Stored_webhook_secrets_are_listed_across_tenants_and_replaced_only_if_unchanged()
    {
        var acme = await CreateTenantAsync("acme");
        var globex = await CreateTenantAsync("globex");
        foreach (var (tenant, id) in new[] { (acme, "wh_a"), (globex, "wh_b"), (acme, "wh_c") })
        {
            await Store.Webhooks.CreateAsync(new WebhookRecord(tenant, id, "https://example.com", "plain-" + id, ["*"], true, null, Start, Start, 0), Ct);
        }

        var first = await Store.Webhooks.ListSecretsAsync(null, 2, Ct);
        Assert.Equal([new StoredSecret(acme, "wh_a", "plain-wh_a"), new StoredSecret(globex, "wh_b", "plain-wh_b")], first);
        Assert.Equal(["wh_c"], (await Store.Webhooks.ListSecretsAsync("wh_b", 2, Ct)).Select(s => s.OwnerId));

        Assert.False(await Store.Webhooks.ReplaceSecretAsync(globex, "wh_a", "plain-wh_a", "sealed", Ct));
        Assert.False(await Store.Webhooks.ReplaceSecretAsync(acme, "wh_a", "something-else", "sealed", Ct));
        Assert.True(await Store.Webhooks.ReplaceSecretAsync(acme, "wh_a", "plain-wh_a", "sealed", Ct));
        Assert.Equal("sealed", (await Store.Webhooks.GetAsync(acme, "wh_a", Ct))!.Secret);
    }
}
