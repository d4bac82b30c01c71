using Baton.Core.Auth;
using Baton.Core.Tenancy;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>Tenants and their API usage, API keys, enrollment tokens and settings.</summary>
public abstract class TenantAndKeyStoreContractTests : StoreContractTests
{
    [Fact]
    public async Task Tenants_are_created_once_per_name_and_read_back()
    {
        var overrides = new QuotaOverrides(Agents: 7, StorageGb: 1.5);
        Assert.True(await Store.Tenants.CreateAsync(new TenantRecord("t-1", "acme", Tier.Professional, overrides, Start), Ct));
        Assert.False(await Store.Tenants.CreateAsync(new TenantRecord("t-2", "acme", Tier.Free, QuotaOverrides.None, Start), Ct));
        Assert.True(await Store.Tenants.CreateAsync(new TenantRecord("t-3", "beta", Tier.Free, QuotaOverrides.None, Start), Ct));

        var byId = await Store.Tenants.GetAsync("t-1", Ct);
        var byName = await Store.Tenants.GetByNameAsync("acme", Ct);

        Assert.Equal(new TenantRecord("t-1", "acme", Tier.Professional, overrides, Start), byId);
        Assert.Equal(byId, byName);
        Assert.Equal(7, byId!.Quotas.Agents);
        Assert.Equal(100, byId.Quotas.ConcurrentJobs);
        Assert.Null(await Store.Tenants.GetAsync("t-2", Ct));
        Assert.Null(await Store.Tenants.GetByNameAsync("missing", Ct));
        Assert.Equal(["acme", "beta"], (await Store.Tenants.ListAsync(Ct)).Select(t => t.Name).Order());
    }

    [Fact]
    public async Task Updating_a_tenant_sets_its_tier_and_overrides()
    {
        var tenant = await CreateTenantAsync("acme", Tier.Free);

        var updated = await Store.Tenants.UpdateAsync(tenant, Tier.Enterprise, new QuotaOverrides(ConcurrentJobs: 3), Ct);
        var missing = await Store.Tenants.UpdateAsync("t-missing", Tier.Free, QuotaOverrides.None, Ct);

        Assert.Equal(Tier.Enterprise, updated!.Tier);
        Assert.Equal(3, updated.Quotas.ConcurrentJobs);
        Assert.Equal(250, updated.Quotas.Agents);
        Assert.Equal(updated, await Store.Tenants.GetAsync(tenant, Ct));
        Assert.Null(missing);
    }

    [Fact]
    public async Task Api_usage_adds_up_per_tenant_and_day()
    {
        var acme = await CreateTenantAsync("acme");
        var other = await CreateTenantAsync("other");

        await Store.Tenants.AddApiUsageAsync([new(acme, "2025-03-03", 5), new(other, "2025-03-03", 1)], Ct);
        await Store.Tenants.AddApiUsageAsync([new(acme, "2025-03-03", 7), new(acme, "2025-03-04", 2)], Ct);

        Assert.Equal(12, await Store.Tenants.GetApiUsageAsync(acme, "2025-03-03", Ct));
        Assert.Equal(2, await Store.Tenants.GetApiUsageAsync(acme, "2025-03-04", Ct));
        Assert.Equal(1, await Store.Tenants.GetApiUsageAsync(other, "2025-03-03", Ct));
        Assert.Equal(0, await Store.Tenants.GetApiUsageAsync(other, "2025-03-05", Ct));
    }

    [Fact]
    public async Task Api_keys_are_scoped_to_their_tenant_and_revoked_once()
    {
        var acme = await CreateTenantAsync("acme");
        var other = await CreateTenantAsync("other");
        var key = new ApiKeyRecord("k-1", acme, "ci", ApiRole.Operator, IsSystemAdmin: false, "secret-hash", Start, null, null);
        await Store.ApiKeys.CreateAsync(key, Ct);
        await Store.ApiKeys.CreateAsync(key with { Id = "k-2", Role = ApiRole.Admin, IsSystemAdmin = true }, Ct);
        Time.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(key, await Store.ApiKeys.GetAsync(acme, "k-1", Ct));
        Assert.Null(await Store.ApiKeys.GetAsync(other, "k-1", Ct));
        Assert.Equal(key, await Store.ApiKeys.FindForAuthenticationAsync("k-1", Ct));
        Assert.True((await Store.ApiKeys.FindForAuthenticationAsync("k-2", Ct))!.IsSystemAdmin);
        Assert.Equal(2, (await Store.ApiKeys.ListAsync(acme, Ct)).Count);
        Assert.Empty(await Store.ApiKeys.ListAsync(other, Ct));

        Assert.False(await Store.ApiKeys.RevokeAsync(other, "k-1", Ct));
        Assert.True(await Store.ApiKeys.RevokeAsync(acme, "k-1", Ct));
        Assert.False(await Store.ApiKeys.RevokeAsync(acme, "k-1", Ct));
        Assert.Equal(Time.GetUtcNow(), (await Store.ApiKeys.GetAsync(acme, "k-1", Ct))!.RevokedAt);
        Assert.Null((await Store.ApiKeys.GetAsync(acme, "k-2", Ct))!.RevokedAt);
    }

    [Fact]
    public async Task Touching_keys_records_the_latest_use_and_never_moves_back()
    {
        var tenant = await CreateTenantAsync("acme");
        await Store.ApiKeys.CreateAsync(new ApiKeyRecord("k-1", tenant, "ci", ApiRole.Viewer, false, "h", Start, null, null), Ct);
        await Store.ApiKeys.CreateAsync(new ApiKeyRecord("k-2", tenant, "ops", ApiRole.Viewer, false, "h", Start, null, null), Ct);
        var later = Start + TimeSpan.FromMinutes(10);

        await Store.ApiKeys.TouchAsync(new Dictionary<string, DateTimeOffset> { ["k-1"] = later, ["k-2"] = Start }, Ct);
        await Store.ApiKeys.TouchAsync(new Dictionary<string, DateTimeOffset> { ["k-1"] = Start + TimeSpan.FromMinutes(1) }, Ct);

        Assert.Equal(later, (await Store.ApiKeys.GetAsync(tenant, "k-1", Ct))!.LastUsedAt);
        Assert.Equal(Start, (await Store.ApiKeys.GetAsync(tenant, "k-2", Ct))!.LastUsedAt);
    }

    [Fact]
    public async Task A_revoked_session_stays_revoked_until_it_would_have_expired_and_is_then_swept()
    {
        var acme = await CreateTenantAsync("acme");
        var globex = await CreateTenantAsync("globex");
        Assert.False(await Store.ApiKeys.IsSessionRevokedAsync("s-1", Ct));

        await Store.ApiKeys.RevokeSessionAsync(acme, "s-1", Start + TimeSpan.FromHours(1), Start, Ct);
        await Store.ApiKeys.RevokeSessionAsync(globex, "s-2", Start + TimeSpan.FromHours(8), Start, Ct);
        // Signing out twice (two tabs) changes nothing; an already expired session needs no row.
        await Store.ApiKeys.RevokeSessionAsync(acme, "s-1", Start + TimeSpan.FromHours(1), Start, Ct);
        await Store.ApiKeys.RevokeSessionAsync(acme, "s-old", Start - TimeSpan.FromMinutes(1), Start, Ct);
        Assert.True(await Store.ApiKeys.IsSessionRevokedAsync("s-1", Ct));
        Assert.True(await Store.ApiKeys.IsSessionRevokedAsync("s-2", Ct));
        Assert.False(await Store.ApiKeys.IsSessionRevokedAsync("s-old", Ct));
        Assert.False(await Store.ApiKeys.IsSessionRevokedAsync("s-other", Ct));

        // Past s-1's expiry the next revocation sweeps its row (any tenant's), and keeps the unexpired one.
        await Store.ApiKeys.RevokeSessionAsync(globex, "s-3", Start + TimeSpan.FromHours(9), Start + TimeSpan.FromHours(2), Ct);
        Assert.False(await Store.ApiKeys.IsSessionRevokedAsync("s-1", Ct));
        Assert.True(await Store.ApiKeys.IsSessionRevokedAsync("s-2", Ct));
        Assert.True(await Store.ApiKeys.IsSessionRevokedAsync("s-3", Ct));
    }

    [Fact]
    public async Task Enrollment_tokens_are_scoped_to_their_tenant_and_revoked_once()
    {
        var acme = await CreateTenantAsync("acme");
        var other = await CreateTenantAsync("other");
        var token = new EnrollmentTokenRecord("e-1", acme, "lab", "hash", Start, Start + TimeSpan.FromDays(7), null);
        await Store.EnrollmentTokens.CreateAsync(token, Ct);

        Assert.Equal(token, await Store.EnrollmentTokens.FindForAuthenticationAsync("e-1", Ct));
        Assert.Null(await Store.EnrollmentTokens.FindForAuthenticationAsync("e-missing", Ct));
        Assert.Single(await Store.EnrollmentTokens.ListAsync(acme, Ct));
        Assert.Empty(await Store.EnrollmentTokens.ListAsync(other, Ct));
        Assert.False(await Store.EnrollmentTokens.RevokeAsync(other, "e-1", Ct));
        Assert.True(await Store.EnrollmentTokens.RevokeAsync(acme, "e-1", Ct));
        Assert.False(await Store.EnrollmentTokens.RevokeAsync(acme, "e-1", Ct));
        Assert.Equal(Start, (await Store.EnrollmentTokens.FindForAuthenticationAsync("e-1", Ct))!.RevokedAt);
    }

    [Fact]
    public async Task A_setting_keeps_its_first_value()
    {
        var calls = 0;
        var first = await Store.Settings.GetOrAddAsync("jwt-signing-key", () => { calls++; return "first"; }, Ct);
        var second = await Store.Settings.GetOrAddAsync("jwt-signing-key", () => { calls++; return "second"; }, Ct);
        var other = await Store.Settings.GetOrAddAsync("other", () => "x", Ct);

        Assert.Equal("first", first);
        Assert.Equal("first", second);
        Assert.Equal(1, calls);
        Assert.Equal("x", other);
    }

    [Fact]
    public async Task Concurrent_first_writers_of_a_setting_all_get_one_value()
    {
        var values = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => Store.Settings.GetOrAddAsync("instance-id", () => $"value-{i}", Ct))));

        Assert.Single(values.Distinct());
    }
}
