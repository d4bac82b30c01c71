using System.Text;
using System.Text.Json;
using Baton.Core.AgentProtocol;
using Baton.Core.Jobs;
using Baton.Core.Packages;
using Baton.Core.Tenancy;
using Baton.Storage;
using Baton.Storage.Blobs;
using Baton.Storage.Model;

namespace Baton.Server.Tests.Backup;

/// <summary>What the PostgreSQL backup tests back up: a tenant, a package with its blob, an agent, five jobs, one finished.</summary>
internal static class PostgresBackupSeed
{
    public static readonly byte[] PackageBytes = Encoding.UTF8.GetBytes("pretend this is a zip of hello 1.0.0");

    public static async Task SeedAsync(IBatonStore store, IBlobStore blobs)
    {
        var now = TimeProvider.System.GetUtcNow();
        await store.Tenants.CreateAsync(new TenantRecord("t-acme", "acme", Tier.Standard, QuotaOverrides.None, now), default);
        var sha = (await blobs.PutAsync(new MemoryStream(PackageBytes), default)).Sha256;
        await store.Packages.AddVersionAsync(new PackageVersionRecord("t-acme", "hello", "1.0.0", sha, PackageBytes.Length,
            new PackageManifest { Name = "hello", Version = "1.0.0", Entrypoint = new PackageEntrypoint { Module = "main", Function = "run" } }, now), long.MaxValue, default);
        await store.Agents.RegisterAsync(new NewAgent("a-1", "t-acme", "host", "hash", new AgentCapabilities("linux", "x64", [], new Dictionary<string, string>()),
            new AgentResources(2, 2048, 1024), 2, "test"), 10, default);
        for (var i = 0; i < 5; i++)
        {
            await store.Jobs.SubmitAsync(new NewJob($"j-{i}", "t-acme", "hello", "1.0.0", sha, 1, 0, 60, [], JsonSerializer.SerializeToElement(new { i }), null), default);
        }
        // One job the whole way, so job_events (a partitioned table) has rows in a partition.
        var claimed = Assert.Single(await store.Jobs.ClaimAsync(new JobClaimRequest("t-acme", "a-1", 1, 10, TimeSpan.FromMinutes(1), _ => true), default));
        await store.Jobs.MarkStartedAsync("t-acme", claimed.Id, "a-1", claimed.Attempt, default);
        await store.Jobs.CompleteAttemptAsync(new AttemptCompletion("t-acme", claimed.Id, "a-1", claimed.Attempt, JobOutcome.Succeeded, 0, null, null), default);
    }
}
