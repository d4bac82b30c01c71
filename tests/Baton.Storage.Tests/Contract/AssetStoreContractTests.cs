using Baton.Core.AgentProtocol;
using Baton.Core.Jobs;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>Assets with their per-group overrides, what a running job may read of them, and job checkpoints.</summary>
public abstract class AssetStoreContractTests : StoreContractTests
{
    private Task<AssetRecord> SaveAsync(string tenant, string name, string type, AssetValue value, string? queue = null, string? group = null) =>
        Store.Assets.SaveAsync(new AssetDefinition(tenant, name, type, queue, group, "about " + name), value, Time.GetUtcNow(), Ct);

    private async Task<JobRecord> RunningJobAsync(string tenant, string agentId, string? group = null, int maxAttempts = 1)
    {
        var agent = NewAgent(tenant, agentId);
        Assert.Equal(AgentRegistrationResult.Registered, await Store.Agents.RegisterAsync(
            agent with { Capabilities = agent.Capabilities with { Group = group } }, 100, Ct));
        var job = await SubmitAndClaimAsync(tenant, agentId, maxAttempts);
        Assert.Equal(AttemptWriteResult.Ok, await Store.Jobs.MarkStartedAsync(tenant, job.Id, agentId, job.Attempt, Ct));
        return job;
    }

    [Fact]
    public async Task Assets_are_saved_read_listed_and_deleted_within_their_tenant()
    {
        var acme = await CreateTenantAsync("acme");
        var globex = await CreateTenantAsync("globex");
        var saved = await SaveAsync(acme, "db", "credential", new AssetValue(null, "svc", "bsec1:1:sealed"), queue: "default");
        await SaveAsync(acme, "api-url", "text", new AssetValue("\"https://example.com\""));

        Assert.Equal(("credential", "default", (string?)null, "svc", "bsec1:1:sealed"),
            (saved.Type, saved.Queue, saved.AgentGroup, saved.Value.Username, saved.Value.Secret));
        Assert.Empty(saved.Overrides);
        Assert.Equal(["api-url", "db"], (await Store.Assets.ListAsync(acme, Ct)).Select(a => a.Name));
        Assert.Null(await Store.Assets.GetAsync(globex, "db", Ct));
        Assert.Empty(await Store.Assets.ListAsync(globex, Ct));
        Assert.False(await Store.Assets.DeleteAsync(globex, "db", Ct));
        Assert.Null(await Store.Assets.SetOverrideAsync(globex, "db", "gpu", new AssetValue(null, "x", "y"), Time.GetUtcNow(), Ct));

        Time.Advance(TimeSpan.FromMinutes(1));
        var replaced = await SaveAsync(acme, "db", "credential", new AssetValue(null, "svc2", "bsec1:1:other"));
        Assert.Equal(("svc2", "bsec1:1:other", (string?)null, saved.CreatedAt, Time.GetUtcNow()),
            (replaced.Value.Username, replaced.Value.Secret, replaced.Queue, replaced.CreatedAt, replaced.UpdatedAt));

        Assert.True(await Store.Assets.DeleteAsync(acme, "db", Ct));
        Assert.Null(await Store.Assets.GetAsync(acme, "db", Ct));
        Assert.Equal(["api-url"], (await Store.Assets.ListAsync(acme, Ct)).Select(a => a.Name));
    }

    [Fact]
    public async Task Overrides_are_kept_per_agent_group_and_dropped_when_the_type_changes()
    {
        var acme = await CreateTenantAsync("acme");
        await SaveAsync(acme, "workers", "number", new AssetValue("4"));
        var withOverride = await Store.Assets.SetOverrideAsync(acme, "workers", "gpu", new AssetValue("16"), Time.GetUtcNow(), Ct);
        Assert.Equal("16", withOverride!.Overrides["gpu"].Value);
        Assert.Equal("4", withOverride.Value.Value);

        // Saving the same type again keeps overrides; another type drops them.
        Assert.Single((await SaveAsync(acme, "workers", "number", new AssetValue("5"))).Overrides);
        Assert.Empty((await SaveAsync(acme, "workers", "text", new AssetValue("\"five\""))).Overrides);

        await Store.Assets.SetOverrideAsync(acme, "workers", "gpu", new AssetValue("\"many\""), Time.GetUtcNow(), Ct);
        Assert.True(await Store.Assets.RemoveOverrideAsync(acme, "workers", "gpu", Time.GetUtcNow(), Ct));
        Assert.False(await Store.Assets.RemoveOverrideAsync(acme, "workers", "gpu", Time.GetUtcNow(), Ct));
        // The default is not an override: it cannot be removed that way.
        Assert.False(await Store.Assets.RemoveOverrideAsync(acme, "workers", "", Time.GetUtcNow(), Ct));
        Assert.Equal("\"five\"", (await Store.Assets.GetAsync(acme, "workers", Ct))!.Value.Value);
    }

    [Fact]
    public async Task A_running_job_reads_the_value_for_its_agents_group_within_the_assets_scope()
    {
        var acme = await CreateTenantAsync("acme");
        var job = await RunningJobAsync(acme, "agent-gpu", group: "gpu");
        await SaveAsync(acme, "token", "credential", new AssetValue(null, "default-user", "bsec1:1:default"));
        await Store.Assets.SetOverrideAsync(acme, "token", "gpu", new AssetValue(null, "gpu-user", "bsec1:1:gpu"), Time.GetUtcNow(), Ct);
        await Store.Assets.SetOverrideAsync(acme, "token", "cpu", new AssetValue(null, "cpu-user", "bsec1:1:cpu"), Time.GetUtcNow(), Ct);
        await SaveAsync(acme, "plain", "boolean", new AssetValue("true"));
        await SaveAsync(acme, "this-queue", "text", new AssetValue("\"q\""), queue: "default");
        await SaveAsync(acme, "other-queue", "text", new AssetValue("\"q\""), queue: "nightly");
        await SaveAsync(acme, "other-group", "text", new AssetValue("\"g\""), group: "cpu");
        await SaveAsync(acme, "this-group", "text", new AssetValue("\"g\""), group: "gpu");

        var token = await Store.Assets.ResolveForJobAsync(acme, job.Id, "agent-gpu", job.Attempt, "token", Ct);
        Assert.Equal((AssetLookup.Found, "gpu-user", "bsec1:1:gpu", "gpu"),
            (token.Lookup, token.Asset!.Value.Username, token.Asset.Value.Secret, token.Asset.AgentGroup));
        var plain = await Store.Assets.ResolveForJobAsync(acme, job.Id, "agent-gpu", job.Attempt, "plain", Ct);
        Assert.Equal(("boolean", "true", (string?)null), (plain.Asset!.Type, plain.Asset.Value.Value, plain.Asset.AgentGroup));
        Assert.Equal(AssetLookup.Found, (await Store.Assets.ResolveForJobAsync(acme, job.Id, "agent-gpu", job.Attempt, "this-queue", Ct)).Lookup);
        Assert.Equal(AssetLookup.Found, (await Store.Assets.ResolveForJobAsync(acme, job.Id, "agent-gpu", job.Attempt, "this-group", Ct)).Lookup);
        foreach (var hidden in new[] { "other-queue", "other-group", "missing" })
        {
            Assert.Equal(AssetLookup.NotFound, (await Store.Assets.ResolveForJobAsync(acme, job.Id, "agent-gpu", job.Attempt, hidden, Ct)).Lookup);
        }

        // Only the holder of the running attempt reads: another agent, a stale attempt, another tenant get nothing.
        Assert.Equal(AssetLookup.NotHeld, (await Store.Assets.ResolveForJobAsync(acme, job.Id, "agent-other", job.Attempt, "plain", Ct)).Lookup);
        Assert.Equal(AssetLookup.NotHeld, (await Store.Assets.ResolveForJobAsync(acme, job.Id, "agent-gpu", job.Attempt + 1, "plain", Ct)).Lookup);
        var globex = await CreateTenantAsync("globex");
        Assert.Equal(AssetLookup.NotHeld, (await Store.Assets.ResolveForJobAsync(globex, job.Id, "agent-gpu", job.Attempt, "plain", Ct)).Lookup);

        await CompleteAsync(job, JobOutcome.Succeeded);
        Assert.Equal(AssetLookup.NotHeld, (await Store.Assets.ResolveForJobAsync(acme, job.Id, "agent-gpu", job.Attempt, "plain", Ct)).Lookup);
    }

    [Fact]
    public async Task An_agent_without_a_group_gets_the_default_group_and_its_override()
    {
        var acme = await CreateTenantAsync("acme");
        var job = await RunningJobAsync(acme, "agent-plain");
        await SaveAsync(acme, "mode", "text", new AssetValue("\"base\""));
        await Store.Assets.SetOverrideAsync(acme, "mode", "default", new AssetValue("\"default-group\""), Time.GetUtcNow(), Ct);

        var mode = await Store.Assets.ResolveForJobAsync(acme, job.Id, "agent-plain", job.Attempt, "mode", Ct);
        Assert.Equal("\"default-group\"", mode.Asset!.Value.Value);
    }

    [Fact]
    public async Task A_checkpoint_is_saved_by_the_running_attempt_and_read_by_the_next()
    {
        var acme = await CreateTenantAsync("acme");
        var job = await RunningJobAsync(acme, "agent-1", maxAttempts: 2);
        Assert.Equal(new CheckpointRead(true, null), await Store.Checkpoints.ReadForAttemptAsync(acme, job.Id, "agent-1", job.Attempt, Ct));

        Assert.True(await Store.Checkpoints.SaveAsync(acme, job.Id, "agent-1", job.Attempt, """{"step":1}""", Time.GetUtcNow(), Ct));
        Time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(await Store.Checkpoints.SaveAsync(acme, job.Id, "agent-1", job.Attempt, """{"step":2}""", Time.GetUtcNow(), Ct));
        // Not the holder, or not this attempt: refused and nothing changes.
        Assert.False(await Store.Checkpoints.SaveAsync(acme, job.Id, "agent-2", job.Attempt, """{"step":9}""", Time.GetUtcNow(), Ct));
        Assert.False(await Store.Checkpoints.SaveAsync(acme, job.Id, "agent-1", job.Attempt + 1, """{"step":9}""", Time.GetUtcNow(), Ct));
        var globex = await CreateTenantAsync("globex");
        Assert.False(await Store.Checkpoints.SaveAsync(globex, job.Id, "agent-1", job.Attempt, """{"step":9}""", Time.GetUtcNow(), Ct));
        Assert.Null(await Store.Checkpoints.GetAsync(globex, job.Id, Ct));
        Assert.Equal(new CheckpointRead(false, null), await Store.Checkpoints.ReadForAttemptAsync(acme, job.Id, "agent-2", job.Attempt, Ct));

        // The attempt fails; the retry, claimed again, reads what the first saved.
        await CompleteAsync(job, JobOutcome.Failed, exitCode: 1, error: "boom");
        Time.Advance(TimeSpan.FromMinutes(1));
        var retry = Assert.Single(await ClaimAsync(acme, "agent-1"));
        Assert.Equal(job.Attempt + 1, retry.Attempt);
        Assert.Equal(AttemptWriteResult.Ok, await Store.Jobs.MarkStartedAsync(acme, retry.Id, "agent-1", retry.Attempt, Ct));
        var read = await Store.Checkpoints.ReadForAttemptAsync(acme, retry.Id, "agent-1", retry.Attempt, Ct);
        Assert.True(read.Held);
        Assert.Equal((job.Attempt, """{"step":2}""", Start.AddSeconds(5)), (read.Checkpoint!.Attempt, read.Checkpoint.State, read.Checkpoint.SavedAt));
        // The old attempt can no longer overwrite it.
        Assert.False(await Store.Checkpoints.SaveAsync(acme, job.Id, "agent-1", job.Attempt, """{"step":0}""", Time.GetUtcNow(), Ct));
        Assert.Equal("""{"step":2}""", (await Store.Checkpoints.GetAsync(acme, job.Id, Ct))!.State);
    }
}
