using Baton.Core.Dispatch.FairShare;
using Baton.Core.Jobs;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>The shared agent pool: the reserved tenant, the ranking snapshot, usage accounting, held-job lookups.</summary>
public abstract class SharedPoolContractTests : StoreContractTests
{
    private SharedPoolQuery Query(params string[] tenants) => new(tenants, Time.GetUtcNow() - TimeSpan.FromMinutes(10), HeadSize: 10);

    [Fact]
    public async Task The_migration_creates_the_reserved_shared_tenant_which_serves_no_one()
    {
        var pool = await Store.Tenants.GetAsync(SharedPool.TenantId, Ct);
        Assert.NotNull(pool);
        Assert.Equal(SharedPool.TenantName, pool.Name);
        Assert.Equal(0, pool.Quotas.SharedPoolWeight);
        Assert.DoesNotContain(await Store.Tenants.ListAsync(Ct), t => t.Id == SharedPool.TenantId);
        Assert.False(await Store.Tenants.CreateAsync(new TenantRecord("t-x", SharedPool.TenantName, Core.Tenancy.Tier.Free, Core.Tenancy.QuotaOverrides.None, Time.GetUtcNow()), Ct));
    }

    [Fact]
    public async Task Snapshot_counts_active_jobs_usage_on_shared_agents_and_the_ready_head_by_effective_priority()
    {
        var a = await CreateTenantAsync("a");
        var b = await CreateTenantAsync("b");
        await RegisterAgentAsync(SharedPool.TenantId, "shared-1");
        await RegisterAgentAsync(a, "own-a");
        Assert.Equal(QueueCreateResult.Created, await Store.Queues.CreateAsync(new QueueRecord(b, "urgent", 5, null, false, Time.GetUtcNow()), 10, Ct));
        Assert.Equal(QueueCreateResult.Created, await Store.Queues.CreateAsync(new QueueRecord(b, "held", 0, null, false, Time.GetUtcNow()), 10, Ct));
        Assert.NotNull(await Store.Queues.UpdateAsync(b, "held", new QueueUpdate(Paused: true), Ct));

        await SubmitAsync(a, id: "a-run-shared");
        await SubmitAsync(a, id: "a-run-own");
        Time.Advance(TimeSpan.FromSeconds(1));
        await SubmitAsync(a, id: "a-next", priority: 1);
        await SubmitAsync(b, id: "b-plain", priority: 3);
        await Store.Jobs.SubmitAsync(NewJob(b, id: "b-urgent") with { Queue = "urgent" }, Ct);
        await Store.Jobs.SubmitAsync(NewJob(b, id: "b-held", priority: 50) with { Queue = "held" }, Ct);

        Assert.Equal("a-run-shared", Assert.Single(await ClaimAsync(a, "shared-1", canRun: j => j.Id == "a-run-shared")).Id);
        Assert.Equal(AttemptWriteResult.Ok, await Store.Jobs.MarkStartedAsync(a, "a-run-shared", "shared-1", 1, Ct));
        Assert.Equal("a-run-own", Assert.Single(await ClaimAsync(a, "own-a", canRun: j => j.Id == "a-run-own")).Id);
        Time.Advance(TimeSpan.FromSeconds(30));

        var snapshot = (await Store.SharedPool.ReadSnapshotAsync(Query(a, b), Ct)).ToDictionary(s => s.TenantId);

        Assert.Equal(2, snapshot[a].ActiveJobs);
        // Only the job on the shared agent counts, with its elapsed time so far.
        Assert.InRange(snapshot[a].UsedAgentSeconds, 29.9, 30.1);
        Assert.Equal(["a-next"], snapshot[a].Ready.Select(r => r.Job.Id));
        Assert.Equal(0, snapshot[b].ActiveJobs);
        Assert.Equal(0, snapshot[b].UsedAgentSeconds);
        // Queue priority 5 outranks the job's own 3; the paused queue is left out.
        Assert.Equal(["b-urgent", "b-plain"], snapshot[b].Ready.Select(r => r.Job.Id));
        Assert.Equal([5, 3], snapshot[b].Ready.Select(r => r.EffectivePriority));
    }

    [Fact]
    public async Task Recorded_usage_counts_inside_the_window_only_and_old_minutes_are_pruned()
    {
        var a = await CreateTenantAsync("a");
        var b = await CreateTenantAsync("b");
        var now = Time.GetUtcNow();
        await Store.SharedPool.RecordUsageAsync(
        [
            new SharedPoolUsage(a, SharedPoolMinutes.MinuteOf(now) - 30, 50_000),
            new SharedPoolUsage(a, SharedPoolMinutes.MinuteOf(now) - 1, 20_000),
            new SharedPoolUsage(a, SharedPoolMinutes.MinuteOf(now) - 1, 5_000),
            new SharedPoolUsage(b, SharedPoolMinutes.MinuteOf(now), 7_000),
        ], now - TimeSpan.FromDays(2), Ct);

        var snapshot = (await Store.SharedPool.ReadSnapshotAsync(Query(a, b), Ct)).ToDictionary(s => s.TenantId);
        Assert.Equal(25, snapshot[a].UsedAgentSeconds, 3);
        Assert.Equal(7, snapshot[b].UsedAgentSeconds, 3);
        Assert.Equal(75, await Store.SharedPool.GetUsedAgentSecondsAsync(a, now - TimeSpan.FromHours(1), Ct), 3);

        await Store.SharedPool.RecordUsageAsync([], now - TimeSpan.FromMinutes(5), Ct);
        Assert.Equal(25, await Store.SharedPool.GetUsedAgentSecondsAsync(a, now - TimeSpan.FromHours(1), Ct), 3);
    }

    [Fact]
    public void A_run_is_split_into_minutes_and_time_before_the_cut_is_left_out()
    {
        var start = new DateTimeOffset(2025, 3, 3, 9, 0, 50, TimeSpan.Zero);
        var usage = SharedPoolMinutes.Split("a", start, start.AddSeconds(75), start.AddSeconds(5));
        Assert.Equal([5_000L, 60_000L, 5_000L], usage.Select(u => u.AgentMilliseconds));
        Assert.Equal(SharedPoolMinutes.MinuteOf(start) + 2, usage[^1].Minute);
    }

    [Fact]
    public async Task Held_job_lookups_see_only_the_calling_agents_jobs_across_tenants()
    {
        var a = await CreateTenantAsync("a");
        var b = await CreateTenantAsync("b");
        await SubmitAsync(a, id: "job-a", package: "pkg-a");
        var jobB = await SubmitAsync(b, id: "job-b");
        await SubmitAsync(b, id: "job-b-other");
        Assert.Single(await ClaimAsync(a, "shared-1"));
        Assert.Equal("job-b", Assert.Single(await ClaimAsync(b, "shared-1", canRun: j => j.Id == "job-b")).Id);
        Assert.Single(await ClaimAsync(b, "shared-2"));

        Assert.Equal(a, (await Store.SharedPool.FindHeldJobAsync("shared-1", "job-a", Ct))?.TenantId);
        Assert.Equal(b, (await Store.SharedPool.FindHeldJobAsync("shared-1", "job-b", Ct))?.TenantId);
        Assert.Null(await Store.SharedPool.FindHeldJobAsync("shared-1", "job-b-other", Ct));
        Assert.Null(await Store.SharedPool.FindHeldJobAsync("shared-2", "job-a", Ct));
        Assert.Equal(["job-a", "job-b"], (await Store.SharedPool.ListHeldJobsAsync("shared-1", Ct)).Select(j => j.JobId).Order());

        var sha = jobB.PackageSha256;
        Assert.True(await Store.SharedPool.HoldsPackageAsync("shared-1", sha, Ct));
        Assert.False(await Store.SharedPool.HoldsPackageAsync("shared-1", new string('b', 64), Ct));
        Assert.False(await Store.SharedPool.HoldsPackageAsync("shared-3", sha, Ct));

        // Once finished, the job is no longer held and its package no longer reachable through it.
        foreach (var id in new[] { "job-a", "job-b" })
        {
            var job = (await Store.Jobs.GetAsync(id == "job-a" ? a : b, id, Ct))!;
            Assert.Equal(AttemptWriteResult.Ok, (await CompleteAsync(job, JobOutcome.Succeeded)).Result);
        }
        Assert.Empty(await Store.SharedPool.ListHeldJobsAsync("shared-1", Ct));
        Assert.False(await Store.SharedPool.HoldsPackageAsync("shared-1", sha, Ct));
        // The last holder can still be routed to its job's tenant (where the fenced write then refuses it).
        Assert.Equal(a, (await Store.SharedPool.FindHeldJobAsync("shared-1", "job-a", Ct))?.TenantId);
    }
}
