using Baton.Core.Tenancy;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>Schema migrations: applied once, idempotent, and data survives reopening the store.</summary>
public abstract class MigrationContractTests : StoreContractTests
{
    [Fact]
    public async Task Migrating_again_applies_nothing()
    {
        Assert.Empty(await Store.MigrateAsync(Ct));
        Assert.Empty(await Store.MigrateAsync(Ct));
    }

    [Fact]
    public async Task A_fresh_store_applies_every_migration_in_order()
    {
        await using var backend = CreateBackend();
        await using var store = backend.CreateStore(Time, Retry);

        var applied = await store.MigrateAsync(Ct);

        Assert.NotEmpty(applied);
        Assert.Equal(1, applied[0]);
        Assert.Equal(applied.Order(), applied);
        Assert.Empty(await store.MigrateAsync(Ct));
    }

    [Fact]
    public async Task A_reopened_store_keeps_the_data_and_needs_no_migration()
    {
        var tenant = await CreateTenantAsync("acme");
        var job = await SubmitAsync(tenant);

        await using var reopened = Backend.CreateStore(Time, Retry);
        var applied = await reopened.MigrateAsync(Ct);

        Assert.Empty(applied);
        Assert.Equal("acme", (await reopened.Tenants.GetAsync(tenant, Ct))!.Name);
        Assert.Equal(job, await reopened.Jobs.GetAsync(tenant, job.Id, Ct), JobComparer.Instance);
        Assert.True(await reopened.Tenants.CreateAsync(new TenantRecord("t-2", "second", Tier.Free, QuotaOverrides.None, Start), Ct));
    }

    private sealed class JobComparer : IEqualityComparer<JobRecord?>
    {
        public static JobComparer Instance { get; } = new();

        // JsonElement has no value equality; compare its text.
        public bool Equals(JobRecord? x, JobRecord? y) =>
            x is not null && y is not null &&
            x with { Inputs = default, Requirements = Array.Empty<string>() } == y with { Inputs = default, Requirements = Array.Empty<string>() } &&
            x.Inputs.GetRawText() == y.Inputs.GetRawText() &&
            x.Requirements.SequenceEqual(y.Requirements);

        public int GetHashCode(JobRecord? obj) => obj?.Id.GetHashCode(StringComparison.Ordinal) ?? 0;
    }
}
