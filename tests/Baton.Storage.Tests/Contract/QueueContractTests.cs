using Baton.Core.Jobs;
using Baton.Core.Tenancy;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>Named queues: the default queue, the quota, updates, and how claims honour pause, caps and priorities.</summary>
public abstract class QueueContractTests : StoreContractTests
{
    [Fact]
    public async Task A_new_tenant_has_the_default_queue_and_creation_stops_at_the_quota()
    {
        var tenant = await CreateTenantAsync("acme");
        var queues = await Store.Queues.ListAsync(tenant, Ct);
        var single = Assert.Single(queues);
        Assert.Equal(QueueRecord.DefaultName, single.Name);
        Assert.False(single.Paused);
        Assert.Null(single.MaxConcurrency);

        Assert.Equal(QueueCreateResult.Created, await CreateQueueAsync(tenant, "reports", priority: 5, maxConcurrency: 3, maxQueues: 2));
        Assert.Equal(QueueCreateResult.NameTaken, await CreateQueueAsync(tenant, "reports", maxQueues: 5));
        Assert.Equal(QueueCreateResult.QuotaExceeded, await CreateQueueAsync(tenant, "more", maxQueues: 2));
        Assert.Equal(2, (await Store.Queues.ListAsync(tenant, Ct)).Count);

        var reports = await Store.Queues.GetAsync(tenant, "reports", Ct);
        Assert.Equal(new QueueRecord(tenant, "reports", 5, 3, false, Time.GetUtcNow()), reports);
        Assert.Equal(["default", "reports"], (await Store.Queues.ListAsync(tenant, Ct)).Select(q => q.Name));
    }

    [Fact]
    public async Task Updates_change_only_what_they_name()
    {
        var tenant = await CreateTenantAsync("acme");
        await CreateQueueAsync(tenant, "reports", priority: 5, maxConcurrency: 3);

        var paused = await Store.Queues.UpdateAsync(tenant, "reports", new QueueUpdate(Paused: true), Ct);
        Assert.Equal((5, (int?)3, true), (paused!.Priority, paused.MaxConcurrency, paused.Paused));
        var changed = await Store.Queues.UpdateAsync(tenant, "reports", new QueueUpdate(Priority: -7, ClearMaxConcurrency: true), Ct);
        Assert.Equal((-7, (int?)null, true), (changed!.Priority, changed.MaxConcurrency, changed.Paused));
        var capped = await Store.Queues.UpdateAsync(tenant, "reports", new QueueUpdate(MaxConcurrency: 9, Paused: false), Ct);
        Assert.Equal((-7, (int?)9, false), (capped!.Priority, capped.MaxConcurrency, capped.Paused));
        Assert.Null(await Store.Queues.UpdateAsync(tenant, "missing", new QueueUpdate(Paused: true), Ct));
    }

    [Fact]
    public async Task Queues_belong_to_their_tenant()
    {
        var acme = await CreateTenantAsync("acme");
        var globex = await CreateTenantAsync("globex");
        await CreateQueueAsync(acme, "reports");

        Assert.Null(await Store.Queues.GetAsync(globex, "reports", Ct));
        Assert.Null(await Store.Queues.UpdateAsync(globex, "reports", new QueueUpdate(Paused: true), Ct));
        Assert.Equal(["default"], (await Store.Queues.ListAsync(globex, Ct)).Select(q => q.Name));
        Assert.False((await Store.Queues.GetAsync(acme, "reports", Ct))!.Paused);

        // Pausing globex's default queue leaves acme's default queue open.
        await Store.Queues.UpdateAsync(globex, QueueRecord.DefaultName, new QueueUpdate(Paused: true), Ct);
        await SubmitToAsync(acme, "a1", QueueRecord.DefaultName);
        await SubmitToAsync(globex, "g1", QueueRecord.DefaultName);
        Assert.Equal(["a1"], (await ClaimAsync(acme, "agent-a", maxJobs: 5)).Select(j => j.Id));
        Assert.Empty(await ClaimAsync(globex, "agent-g", maxJobs: 5));
    }

    [Fact]
    public async Task A_paused_queue_is_not_claimed_until_resumed()
    {
        var tenant = await CreateTenantAsync("acme");
        await CreateQueueAsync(tenant, "reports", priority: 50);
        await Store.Queues.UpdateAsync(tenant, "reports", new QueueUpdate(Paused: true), Ct);
        await SubmitToAsync(tenant, "r1", "reports");
        await SubmitToAsync(tenant, "d1", QueueRecord.DefaultName);

        Assert.Equal(["d1"], (await ClaimAsync(tenant, "agent-1", maxJobs: 5)).Select(j => j.Id));
        Assert.Empty(await ClaimAsync(tenant, "agent-1", maxJobs: 5));

        await Store.Queues.UpdateAsync(tenant, "reports", new QueueUpdate(Paused: false), Ct);
        var claimed = Assert.Single(await ClaimAsync(tenant, "agent-1", maxJobs: 5));
        Assert.Equal(("r1", "reports"), (claimed.Id, claimed.Queue));
    }

    [Fact]
    public async Task A_queue_cap_is_never_exceeded_within_one_claim_or_across_claims()
    {
        var tenant = await CreateTenantAsync("acme");
        await CreateQueueAsync(tenant, "narrow", priority: 10, maxConcurrency: 2);
        for (var i = 0; i < 5; i++) await SubmitToAsync(tenant, $"n{i}", "narrow");
        await SubmitToAsync(tenant, "d1", QueueRecord.DefaultName);

        var first = await ClaimAsync(tenant, "agent-1", maxJobs: 10);
        Assert.Equal(["n0", "n1", "d1"], first.Select(j => j.Id));
        Assert.Empty(await ClaimAsync(tenant, "agent-2", maxJobs: 10));
        Assert.Equal(2, await Store.Queues.CountActiveAsync(tenant, "narrow", Ct));

        // One finishes: exactly one more of the queue may go.
        await CompleteAsync(first[0], JobOutcome.Succeeded, exitCode: 0);
        Assert.Equal(["n2"], (await ClaimAsync(tenant, "agent-2", maxJobs: 10)).Select(j => j.Id));
        Assert.Empty(await ClaimAsync(tenant, "agent-3", maxJobs: 10));
    }

    [Fact]
    public async Task Concurrent_claims_never_take_a_queue_past_its_cap()
    {
        var tenant = await CreateTenantAsync("acme");
        await CreateQueueAsync(tenant, "narrow", maxConcurrency: 3);
        for (var i = 0; i < 20; i++) await SubmitToAsync(tenant, $"n{i:D2}", "narrow");

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => ClaimAsync(tenant, $"agent-{i}", maxJobs: 2)));

        Assert.Equal(3, claims.Sum(c => c.Count));
        Assert.Equal(3, await Store.Queues.CountActiveAsync(tenant, "narrow", Ct));
    }

    [Fact]
    public async Task Queue_priority_is_added_to_job_priority_in_claim_order()
    {
        var tenant = await CreateTenantAsync("acme");
        await CreateQueueAsync(tenant, "urgent", priority: 20);
        await CreateQueueAsync(tenant, "bulk", priority: -20);
        await SubmitToAsync(tenant, "bulk-high", "bulk", priority: 30);      // 10
        Time.Advance(TimeSpan.FromSeconds(1));
        await SubmitToAsync(tenant, "default-mid", QueueRecord.DefaultName, priority: 15); // 15
        Time.Advance(TimeSpan.FromSeconds(1));
        await SubmitToAsync(tenant, "urgent-low", "urgent", priority: 0);    // 20
        Time.Advance(TimeSpan.FromSeconds(1));
        await SubmitToAsync(tenant, "default-low", QueueRecord.DefaultName, priority: 10); // 10, newer than bulk-high

        var pending = (await Store.Jobs.GetAsync(tenant, "default-low", Ct))!;
        Assert.Equal(3, await Store.Queues.CountAheadAsync(pending, 0, Ct));

        var claimed = await ClaimAsync(tenant, "agent-1", maxJobs: 4);
        Assert.Equal(["urgent-low", "default-mid", "bulk-high", "default-low"], claimed.Select(j => j.Id));
    }

    private Task<QueueCreateResult> CreateQueueAsync(string tenantId, string name, int priority = 0, int? maxConcurrency = null, int maxQueues = 10) =>
        Store.Queues.CreateAsync(new QueueRecord(tenantId, name, priority, maxConcurrency, false, Time.GetUtcNow()), maxQueues, Ct);

    private async Task SubmitToAsync(string tenantId, string id, string queue, int priority = 0)
    {
        var (job, created) = await Store.Jobs.SubmitAsync(NewJob(tenantId, id, priority) with { Queue = queue }, Ct);
        Assert.True(created);
        Assert.Equal(queue, job.Queue);
    }
}
