using Baton.Core.Jobs;
using Baton.Core.Packages;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>Job artifacts: fenced on the attempt, limited per job and by the tenant's storage, replaced by name, pruned by age.</summary>
public abstract class ArtifactStoreContractTests : StoreContractTests
{
    private const long NoLimit = long.MaxValue;

    private NewArtifact Artifact(JobRecord job, string name, char sha = 'a', long size = 10, string? agentId = null, int? attempt = null,
        long jobLimit = NoLimit, long storageLimit = NoLimit) =>
        new(job.TenantId, job.Id, agentId ?? job.AgentId!, attempt ?? job.Attempt, name, new string(sha, 64), size, Time.GetUtcNow(), jobLimit, storageLimit);

    [Fact]
    public async Task Artifacts_are_listed_by_name_and_read_only_within_their_tenant()
    {
        var acme = await CreateTenantAsync("acme");
        var globex = await CreateTenantAsync("globex");
        var job = await SubmitAndClaimAsync(acme, "agent-1");

        Assert.Equal(ArtifactAddResult.Added, (await Store.Artifacts.AddAsync(Artifact(job, "report.csv", 'b', 30), Ct)).Result);
        Assert.Equal(ArtifactAddResult.Added, (await Store.Artifacts.AddAsync(Artifact(job, "out/chart.png", 'c', 12), Ct)).Result);

        var listed = await Store.Artifacts.ListAsync(acme, job.Id, Ct);
        Assert.Equal(["out/chart.png", "report.csv"], listed.Select(a => a.Name));
        Assert.Equal(new ArtifactRecord(acme, job.Id, "report.csv", 1, new string('b', 64), 30, Start), listed[1]);
        Assert.Equal(listed[1], await Store.Artifacts.GetAsync(acme, job.Id, "report.csv", Ct));
        Assert.Equal(42, await Store.Artifacts.GetStorageBytesAsync(acme, Ct));

        Assert.Empty(await Store.Artifacts.ListAsync(globex, job.Id, Ct));
        Assert.Null(await Store.Artifacts.GetAsync(globex, job.Id, "report.csv", Ct));
        Assert.Equal(0, await Store.Artifacts.GetStorageBytesAsync(globex, Ct));
        // Another tenant's id for the job is simply not found, even with the right agent and attempt.
        Assert.Equal(ArtifactAddResult.NotFound, (await Store.Artifacts.AddAsync(Artifact(job, "x") with { TenantId = globex }, Ct)).Result);
    }

    [Fact]
    public async Task Only_the_holder_of_the_current_attempt_may_add_and_only_until_the_job_ends()
    {
        var tenant = await CreateTenantAsync("acme");
        var job = await SubmitAndClaimAsync(tenant, "agent-1", maxAttempts: 2);

        Assert.Equal(ArtifactAddResult.Stale, (await Store.Artifacts.AddAsync(Artifact(job, "a", agentId: "agent-2"), Ct)).Result);
        Assert.Equal(ArtifactAddResult.Stale, (await Store.Artifacts.AddAsync(Artifact(job, "a", attempt: 2), Ct)).Result);
        Assert.Equal(ArtifactAddResult.Added, (await Store.Artifacts.AddAsync(Artifact(job, "a"), Ct)).Result);

        await CompleteAsync(job, JobOutcome.Succeeded, exitCode: 0);
        Assert.Equal(ArtifactAddResult.Stale, (await Store.Artifacts.AddAsync(Artifact(job, "late"), Ct)).Result);
        Assert.Equal(["a"], (await Store.Artifacts.ListAsync(tenant, job.Id, Ct)).Select(a => a.Name));
    }

    [Fact]
    public async Task A_later_attempt_replaces_a_same_named_artifact_and_says_which_content_it_dropped()
    {
        var tenant = await CreateTenantAsync("acme");
        var first = await SubmitAndClaimAsync(tenant, "agent-1", maxAttempts: 2);
        await Store.Artifacts.AddAsync(Artifact(first, "report.csv", 'b', 30), Ct);
        await CompleteAsync(first, JobOutcome.Failed, exitCode: 1);
        Time.Advance(TimeSpan.FromSeconds(2));
        var second = Assert.Single(await ClaimAsync(tenant, "agent-1"));

        var replaced = await Store.Artifacts.AddAsync(Artifact(second, "report.csv", 'c', 20), Ct);
        Assert.Equal(ArtifactAddResult.Added, replaced.Result);
        Assert.Equal(new string('b', 64), replaced.ReplacedSha256);
        var same = await Store.Artifacts.AddAsync(Artifact(second, "report.csv", 'c', 20), Ct);
        Assert.Null(same.ReplacedSha256);

        var only = Assert.Single(await Store.Artifacts.ListAsync(tenant, first.Id, Ct));
        Assert.Equal((2, new string('c', 64), 20L), (only.Attempt, only.Sha256, only.SizeBytes));
        Assert.Equal(20, await Store.Artifacts.GetStorageBytesAsync(tenant, Ct));
    }

    [Fact]
    public async Task The_per_job_limit_and_the_tenant_storage_quota_count_artifacts_and_packages_together()
    {
        var tenant = await CreateTenantAsync("acme");
        var job = await SubmitAndClaimAsync(tenant, "agent-1");

        Assert.Equal(ArtifactAddResult.Added, (await Store.Artifacts.AddAsync(Artifact(job, "a", size: 60, jobLimit: 100), Ct)).Result);
        Assert.Equal(ArtifactAddResult.JobLimitExceeded, (await Store.Artifacts.AddAsync(Artifact(job, "b", size: 41, jobLimit: 100), Ct)).Result);
        // Replacing "a" frees its 60 bytes first.
        Assert.Equal(ArtifactAddResult.Added, (await Store.Artifacts.AddAsync(Artifact(job, "a", 'd', size: 100, jobLimit: 100), Ct)).Result);

        var package = new PackageVersionRecord(tenant, "hello", "9.0.0", new string('e', 64), 50, new PackageManifest
        {
            Name = "hello",
            Version = "9.0.0",
            Entrypoint = new PackageEntrypoint { Module = "main", Function = "run" },
        }, Time.GetUtcNow());
        Assert.Equal(PackageAddResult.Created, (await Store.Packages.AddVersionAsync(package, 150, Ct)).Result);
        // 100 of artifacts and 50 of packages: a package that would pass 150 is refused, and so is an artifact.
        Assert.Equal(PackageAddResult.QuotaExceeded, (await Store.Packages.AddVersionAsync(package with { Version = "9.0.1" }, 150, Ct)).Result);
        Assert.Equal(ArtifactAddResult.StorageQuotaExceeded, (await Store.Artifacts.AddAsync(Artifact(job, "c", size: 1, storageLimit: 150), Ct)).Result);
        Assert.Equal(ArtifactAddResult.Added, (await Store.Artifacts.AddAsync(Artifact(job, "c", size: 1, storageLimit: 151), Ct)).Result);
    }

    [Fact]
    public async Task Pruning_removes_artifacts_older_than_the_cutoff_and_blob_references_follow()
    {
        var acme = await CreateTenantAsync("acme");
        var globex = await CreateTenantAsync("globex");
        var old = await SubmitAndClaimAsync(acme, "agent-1");
        await Store.Artifacts.AddAsync(Artifact(old, "old-1", 'b'), Ct);
        await Store.Artifacts.AddAsync(Artifact(old, "old-2", 'b'), Ct);
        var cutoff = Time.GetUtcNow().AddSeconds(1);
        Time.Advance(TimeSpan.FromMinutes(5));
        var fresh = await SubmitAndClaimAsync(globex, "agent-2");
        await Store.Artifacts.AddAsync(Artifact(fresh, "new", 'c'), Ct);
        Assert.True(await Store.Packages.IsBlobReferencedAsync(new string('b', 64), Ct));

        var first = await Store.Artifacts.PruneAsync(cutoff, 1, Ct);
        var rest = await Store.Artifacts.PruneAsync(cutoff, 10, Ct);

        Assert.Equal([new string('b', 64)], first);
        Assert.Equal([new string('b', 64)], rest);
        Assert.Empty(await Store.Artifacts.PruneAsync(cutoff, 10, Ct));
        Assert.Empty(await Store.Artifacts.ListAsync(acme, old.Id, Ct));
        Assert.Equal(["new"], (await Store.Artifacts.ListAsync(globex, fresh.Id, Ct)).Select(a => a.Name));
        Assert.False(await Store.Packages.IsBlobReferencedAsync(new string('b', 64), Ct));
        Assert.True(await Store.Packages.IsBlobReferencedAsync(new string('c', 64), Ct));
    }
}
