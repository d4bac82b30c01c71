using Baton.Core.Jobs;
using Baton.Core.Packages;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>Immutable package versions, the storage quota, and deletion guarded by jobs.</summary>
public abstract class PackageStoreContractTests : StoreContractTests
{
    private const long NoLimit = long.MaxValue;

    private PackageVersionRecord Version(string tenantId, string version, char sha = 'a', long size = 10, string name = "hello") => new(
        tenantId,
        name,
        version,
        new string(sha, 64),
        size,
        new PackageManifest
        {
            Name = name,
            Version = version,
            Entrypoint = new PackageEntrypoint { Module = "main", Function = "run" },
            Python = ">=3.9",
            Capabilities = ["os=linux"],
            Parameters = new Dictionary<string, ParameterSpec> { ["name"] = new() { Type = ParameterType.String, Required = true } },
        },
        Time.GetUtcNow());

    [Fact]
    public async Task An_added_version_is_read_back_with_its_manifest()
    {
        var tenant = await CreateTenantAsync("acme");

        var (result, stored) = await Store.Packages.AddVersionAsync(Version(tenant, "1.0.0"), NoLimit, Ct);
        await Store.Packages.AddVersionAsync(Version(tenant, "1.1.0", 'b'), NoLimit, Ct);
        await Store.Packages.AddVersionAsync(Version(tenant, "0.1.0", 'c', name: "other"), NoLimit, Ct);

        Assert.Equal(PackageAddResult.Created, result);
        Assert.Equal(Start, stored.CreatedAt);
        var read = await Store.Packages.GetVersionAsync(tenant, "hello", "1.0.0", Ct);
        Assert.NotNull(read);
        Assert.Equal(new string('a', 64), read.Sha256);
        Assert.Equal("main:run", read.Manifest.Entrypoint.ToString());
        Assert.Equal(["os=linux"], read.Manifest.Capabilities);
        Assert.True(read.Manifest.Parameters["name"].Required);
        Assert.Equal(["1.0.0", "1.1.0"], (await Store.Packages.ListVersionsAsync(tenant, "hello", Ct)).Select(v => v.Version).Order());
        Assert.Equal(3, (await Store.Packages.ListAllVersionsAsync(tenant, Ct)).Count);
    }

    [Fact]
    public async Task Re_adding_a_version_is_identical_with_the_same_content_and_a_conflict_otherwise()
    {
        var tenant = await CreateTenantAsync("acme");
        await Store.Packages.AddVersionAsync(Version(tenant, "1.0.0", 'a'), NoLimit, Ct);

        var (identical, same) = await Store.Packages.AddVersionAsync(Version(tenant, "1.0.0", 'a'), NoLimit, Ct);
        var (conflict, existing) = await Store.Packages.AddVersionAsync(Version(tenant, "1.0.0", 'b'), NoLimit, Ct);

        Assert.Equal(PackageAddResult.Identical, identical);
        Assert.Equal(PackageAddResult.Conflict, conflict);
        Assert.Equal(new string('a', 64), existing.Sha256);
        Assert.Equal(new string('a', 64), same.Sha256);
        Assert.Single(await Store.Packages.ListVersionsAsync(tenant, "hello", Ct));
    }

    [Fact]
    public async Task A_version_over_the_storage_limit_is_refused()
    {
        var tenant = await CreateTenantAsync("acme");
        var other = await CreateTenantAsync("other");
        await Store.Packages.AddVersionAsync(Version(other, "9.0.0", size: 1000), NoLimit, Ct);

        var (first, _) = await Store.Packages.AddVersionAsync(Version(tenant, "1.0.0", size: 60), 100, Ct);
        var (tooBig, _) = await Store.Packages.AddVersionAsync(Version(tenant, "1.1.0", 'b', size: 41), 100, Ct);
        var (fits, _) = await Store.Packages.AddVersionAsync(Version(tenant, "1.2.0", 'c', size: 40), 100, Ct);

        Assert.Equal(PackageAddResult.Created, first);
        Assert.Equal(PackageAddResult.QuotaExceeded, tooBig);
        Assert.Equal(PackageAddResult.Created, fits);
        Assert.Null(await Store.Packages.GetVersionAsync(tenant, "hello", "1.1.0", Ct));
        Assert.Equal(100, await Store.Packages.GetStorageBytesAsync(tenant, Ct));
        Assert.Equal(1000, await Store.Packages.GetStorageBytesAsync(other, Ct));
    }

    [Fact]
    public async Task A_version_used_by_waiting_or_running_jobs_cannot_be_deleted()
    {
        var tenant = await CreateTenantAsync("acme");
        await Store.Packages.AddVersionAsync(Version(tenant, "1.0.0"), NoLimit, Ct);
        var waiting = await SubmitAsync(tenant, package: "hello", version: "1.0.0");
        await SubmitAsync(tenant, package: "hello", version: "1.0.0");
        await ClaimAsync(tenant, "agent-1");

        var (inUse, count) = await Store.Packages.DeleteVersionAsync(tenant, "hello", "1.0.0", Ct);
        var running = (await Store.Jobs.ListAsync(tenant, new JobQuery(State: JobState.Assigned), Ct)).Items.Single();
        await CompleteAsync(running, JobOutcome.Succeeded, exitCode: 0);
        var pending = (await Store.Jobs.ListAsync(tenant, new JobQuery(State: JobState.Pending), Ct)).Items.Single();
        await Store.Jobs.RequestCancelAsync(tenant, pending.Id, Ct);
        var (deleted, _) = await Store.Packages.DeleteVersionAsync(tenant, "hello", "1.0.0", Ct);
        var (missing, _) = await Store.Packages.DeleteVersionAsync(tenant, "hello", "1.0.0", Ct);

        Assert.Equal(PackageDeleteResult.InUse, inUse);
        Assert.Equal(2, count);
        Assert.Equal(PackageDeleteResult.Deleted, deleted);
        Assert.Equal(PackageDeleteResult.NotFound, missing);
        Assert.Null(await Store.Packages.GetVersionAsync(tenant, "hello", "1.0.0", Ct));
        Assert.NotNull(await Store.Jobs.GetAsync(tenant, waiting.Id, Ct));
    }

    [Fact]
    public async Task Blob_references_are_counted_across_tenants_and_ownership_per_tenant()
    {
        var acme = await CreateTenantAsync("acme");
        var other = await CreateTenantAsync("other");
        await Store.Packages.AddVersionAsync(Version(acme, "1.0.0", 'a'), NoLimit, Ct);
        await Store.Packages.AddVersionAsync(Version(other, "1.0.0", 'a'), NoLimit, Ct);
        var sha = new string('a', 64);

        Assert.True(await Store.Packages.IsBlobReferencedAsync(sha, Ct));
        Assert.True(await Store.Packages.TenantHasBlobAsync(acme, sha, Ct));
        await Store.Packages.DeleteVersionAsync(acme, "hello", "1.0.0", Ct);
        Assert.False(await Store.Packages.TenantHasBlobAsync(acme, sha, Ct));
        Assert.True(await Store.Packages.IsBlobReferencedAsync(sha, Ct));
        await Store.Packages.DeleteVersionAsync(other, "hello", "1.0.0", Ct);
        Assert.False(await Store.Packages.IsBlobReferencedAsync(sha, Ct));
    }

    [Fact]
    public async Task Another_tenants_packages_are_invisible_and_untouchable()
    {
        var acme = await CreateTenantAsync("acme");
        var other = await CreateTenantAsync("other");
        await Store.Packages.AddVersionAsync(Version(acme, "1.0.0"), NoLimit, Ct);

        Assert.Null(await Store.Packages.GetVersionAsync(other, "hello", "1.0.0", Ct));
        Assert.Empty(await Store.Packages.ListVersionsAsync(other, "hello", Ct));
        Assert.Empty(await Store.Packages.ListAllVersionsAsync(other, Ct));
        Assert.False(await Store.Packages.TenantHasBlobAsync(other, new string('a', 64), Ct));
        Assert.Equal(PackageDeleteResult.NotFound, (await Store.Packages.DeleteVersionAsync(other, "hello", "1.0.0", Ct)).Result);
        Assert.NotNull(await Store.Packages.GetVersionAsync(acme, "hello", "1.0.0", Ct));
    }
}
