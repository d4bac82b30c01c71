using System.Collections.Concurrent;
using System.Text.Json;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>Work-item queues: adding (references unique), leased claims, outcomes and retries, lease expiry, history, counts.</summary>
public abstract class WorkItemContractTests : StoreContractTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private static readonly WorkItemHolder JobA = new("j-a", 1);
    private static readonly WorkItemHolder JobB = new("j-b", 1);

    // Item ids sort by creation time, as the server makes them (claims take the oldest first among equal priorities).
    private NewWorkItem Item(string tenantId, string queue = "invoices", string? reference = null, int priority = 0, int maxAttempts = 3,
        DateTimeOffset? deadline = null, object? payload = null) =>
        new(Baton.Core.SortableIds.New("wi_", Time.GetUtcNow()), tenantId, queue, reference, priority,
            JsonSerializer.SerializeToElement(payload ?? new { n = reference }), deadline, maxAttempts);

    private async Task<IReadOnlyList<WorkItemRecord>> AddAsync(string tenantId, params NewWorkItem[] items)
    {
        var outcome = await Store.WorkItems.AddAsync(tenantId, items, Ct);
        Assert.Empty(outcome.DuplicateReferences);
        return outcome.Added;
    }

    [Fact]
    public async Task Items_are_claimed_by_priority_then_age_and_finish_with_their_output_and_history()
    {
        var tenant = await CreateTenantAsync("acme");
        var low = Item(tenant, reference: "low");
        var high = Item(tenant, reference: "high", priority: 5);
        var later = Item(tenant, reference: "later");
        await AddAsync(tenant, low, high);
        Time.Advance(TimeSpan.FromSeconds(1));
        await AddAsync(tenant, later);

        var first = await Store.WorkItems.ClaimAsync(tenant, "invoices", JobA, Lease, Ct);
        Assert.Equal("high", first!.Item.Reference);
        Assert.Equal(WorkItemState.InProgress, first.Item.State);
        Assert.Equal(1, first.Item.Attempts);
        Assert.Equal("j-a", first.Item.JobId);
        Assert.Equal(Time.GetUtcNow() + Lease, first.Item.LeaseExpiresAt);
        Assert.Equal("low", (await Store.WorkItems.ClaimAsync(tenant, "invoices", JobB, Lease, Ct))!.Item.Reference);

        var output = JsonSerializer.SerializeToElement(new { total = 42 });
        Assert.Equal(WorkItemCompleteResult.Ok, await Store.WorkItems.CompleteAsync(
            new WorkItemCompletion(tenant, first.Item.Id, JobA, first.LeaseToken, WorkItemFinish.Done, output, null), Ct));
        // Finishing twice, or with another job's token, is refused.
        Assert.Equal(WorkItemCompleteResult.LeaseLost, await Store.WorkItems.CompleteAsync(
            new WorkItemCompletion(tenant, first.Item.Id, JobA, first.LeaseToken, WorkItemFinish.Done, output, null), Ct));

        var done = await Store.WorkItems.GetAsync(tenant, first.Item.Id, Ct);
        Assert.Equal(WorkItemState.Done, done!.State);
        Assert.Equal(42, done.Output!.Value.GetProperty("total").GetInt32());
        Assert.Equal("high", done.Payload.GetProperty("n").GetString());
        Assert.Equal(["claimed", "done"], (await Store.WorkItems.ListEventsAsync(tenant, done.Id, Ct)).Select(e => e.Type));

        var stats = Assert.Single(await Store.WorkItems.StatsAsync(tenant, null, Ct));
        Assert.Equal(("invoices", 1L, 1L, 1L, 0L), (stats.Queue, stats.Pending, stats.InProgress, stats.Done, stats.Failed));
        Assert.Equal(later.Id, (await Store.WorkItems.ListAsync(tenant, "invoices", WorkItemState.Pending, 10, null, Ct)).Single().Id);
        Assert.Equal(3, (await Store.WorkItems.ListAsync(tenant, "invoices", null, 10, null, Ct)).Count);
    }

    [Fact]
    public async Task A_reference_already_in_the_queue_refuses_the_whole_addition()
    {
        var tenant = await CreateTenantAsync("acme");
        await AddAsync(tenant, Item(tenant, reference: "INV-1"));
        var outcome = await Store.WorkItems.AddAsync(tenant, [Item(tenant, reference: "INV-2"), Item(tenant, reference: "INV-1")], Ct);
        Assert.Empty(outcome.Added);
        Assert.Equal(["INV-1"], outcome.DuplicateReferences);
        Assert.Single(await Store.WorkItems.ListAsync(tenant, "invoices", null, 10, null, Ct));
        // The same reference in another queue, items without a reference, and another tenant's queue are all fine.
        await AddAsync(tenant, Item(tenant, queue: "other", reference: "INV-1"), Item(tenant), Item(tenant));
        var globex = await CreateTenantAsync("globex");
        await AddAsync(globex, Item(globex, reference: "INV-1"));
    }

    [Fact]
    public async Task Business_failures_are_final_and_application_failures_retry_until_attempts_are_spent()
    {
        var tenant = await CreateTenantAsync("acme");
        var bad = (await AddAsync(tenant, Item(tenant, reference: "bad", priority: 1, maxAttempts: 3)))[0];
        var flaky = (await AddAsync(tenant, Item(tenant, reference: "flaky", maxAttempts: 2)))[0];

        var claimed = await Store.WorkItems.ClaimAsync(tenant, "invoices", JobA, Lease, Ct);
        Assert.Equal(bad.Id, claimed!.Item.Id);
        await CompleteAsync(tenant, claimed, WorkItemFinish.BusinessFailure, "no such customer");
        var failed = await Store.WorkItems.GetAsync(tenant, bad.Id, Ct);
        Assert.Equal((WorkItemState.Failed, "business", 1, "no such customer"), (failed!.State, failed.FailureKind, failed.Attempts, failed.Error));

        claimed = await Store.WorkItems.ClaimAsync(tenant, "invoices", JobA, Lease, Ct);
        Assert.Equal(flaky.Id, claimed!.Item.Id);
        await CompleteAsync(tenant, claimed, WorkItemFinish.ApplicationFailure, "timeout");
        Assert.Equal(WorkItemState.Pending, (await Store.WorkItems.GetAsync(tenant, flaky.Id, Ct))!.State);
        claimed = await Store.WorkItems.ClaimAsync(tenant, "invoices", JobB, Lease, Ct);
        Assert.Equal((flaky.Id, 2), (claimed!.Item.Id, claimed.Item.Attempts));
        await CompleteAsync(tenant, claimed, WorkItemFinish.ApplicationFailure, "timeout again");
        var spent = await Store.WorkItems.GetAsync(tenant, flaky.Id, Ct);
        Assert.Equal((WorkItemState.Failed, "application", 2), (spent!.State, spent.FailureKind, spent.Attempts));
        Assert.Null(await Store.WorkItems.ClaimAsync(tenant, "invoices", JobA, Lease, Ct));
        Assert.Equal(["claimed", "retry", "claimed", "failed"], (await Store.WorkItems.ListEventsAsync(tenant, flaky.Id, Ct)).Select(e => e.Type));

        var stats = (await Store.WorkItems.StatsAsync(tenant, "invoices", Ct)).Single();
        Assert.Equal((0L, 2L, 1L, 1L), (stats.Pending, stats.Failed, stats.BusinessFailures, stats.Retries));
    }

    [Fact]
    public async Task An_expired_lease_returns_the_item_and_fences_out_the_old_holder_unless_renewed()
    {
        var tenant = await CreateTenantAsync("acme");
        var item = (await AddAsync(tenant, Item(tenant, maxAttempts: 2)))[0];
        var first = await Store.WorkItems.ClaimAsync(tenant, "invoices", JobA, Lease, Ct);

        // Renewed while the job runs, the lease holds past its first term.
        Time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(1, await Store.WorkItems.RenewAsync(tenant, JobA, Lease, Ct));
        Time.Advance(TimeSpan.FromSeconds(20));
        Assert.Null(await Store.WorkItems.ClaimAsync(tenant, "invoices", JobB, Lease, Ct));
        Assert.Equal(0, await Store.WorkItems.ExpireLeasesAsync(100, Ct));

        // Not renewed: the janitor puts it back, and the old holder can no longer finish it.
        Time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, await Store.WorkItems.ExpireLeasesAsync(100, Ct));
        Assert.Equal(WorkItemState.Pending, (await Store.WorkItems.GetAsync(tenant, item.Id, Ct))!.State);
        var second = await Store.WorkItems.ClaimAsync(tenant, "invoices", JobB, Lease, Ct);
        Assert.Equal((item.Id, 2), (second!.Item.Id, second.Item.Attempts));
        Assert.Equal(WorkItemCompleteResult.LeaseLost, await Store.WorkItems.CompleteAsync(
            new WorkItemCompletion(tenant, item.Id, JobA, first!.LeaseToken, WorkItemFinish.Done, null, null), Ct));
        Assert.Equal(0, await Store.WorkItems.RenewAsync(tenant, JobA, Lease, Ct));

        // The second attempt's lease expires too, seen by a claim (no janitor): its attempts are spent.
        Time.Advance(TimeSpan.FromSeconds(31));
        Assert.Null(await Store.WorkItems.ClaimAsync(tenant, "invoices", JobA, Lease, Ct));
        var failed = await Store.WorkItems.GetAsync(tenant, item.Id, Ct);
        Assert.Equal((WorkItemState.Failed, "application"), (failed!.State, failed.FailureKind));
        Assert.Equal(["claimed", "lease_expired", "claimed", "lease_expired"], (await Store.WorkItems.ListEventsAsync(tenant, item.Id, Ct)).Select(e => e.Type));
    }

    [Fact]
    public async Task A_released_job_returns_what_it_held_and_deadlines_count_sla_misses()
    {
        var tenant = await CreateTenantAsync("acme");
        await AddAsync(tenant, Item(tenant, deadline: Time.GetUtcNow() + TimeSpan.FromMinutes(1)), Item(tenant, deadline: Time.GetUtcNow() + TimeSpan.FromHours(1)));
        var one = await Store.WorkItems.ClaimAsync(tenant, "invoices", JobA, Lease, Ct);
        var two = await Store.WorkItems.ClaimAsync(tenant, "invoices", JobA, Lease, Ct);
        Assert.NotEqual(one!.Item.Id, two!.Item.Id);
        Assert.Equal(2, await Store.WorkItems.ReleaseAsync(tenant, JobA, "job ended", Ct));
        Assert.Equal(2, (await Store.WorkItems.StatsAsync(tenant, "invoices", Ct)).Single().Pending);
        Assert.Equal("released", (await Store.WorkItems.ListEventsAsync(tenant, one.Item.Id, Ct))[^1].Type);

        Time.Advance(TimeSpan.FromMinutes(2));
        var stats = (await Store.WorkItems.StatsAsync(tenant, "invoices", Ct)).Single();
        Assert.Equal(1, stats.SlaMissed);
        Assert.True((await Store.WorkItems.GetAsync(tenant, one.Item.Id, Ct))!.SlaMissed(Time.GetUtcNow()) ^
            (await Store.WorkItems.GetAsync(tenant, two.Item.Id, Ct))!.SlaMissed(Time.GetUtcNow()));
    }

    [Fact]
    public async Task Items_belong_to_their_tenant()
    {
        var acme = await CreateTenantAsync("acme");
        var globex = await CreateTenantAsync("globex");
        var item = (await AddAsync(acme, Item(acme, reference: "INV-1")))[0];

        Assert.Null(await Store.WorkItems.GetAsync(globex, item.Id, Ct));
        Assert.Empty(await Store.WorkItems.ListAsync(globex, "invoices", null, 10, null, Ct));
        Assert.Empty(await Store.WorkItems.StatsAsync(globex, null, Ct));
        Assert.Null(await Store.WorkItems.ClaimAsync(globex, "invoices", JobA, Lease, Ct));
        var claimed = await Store.WorkItems.ClaimAsync(acme, "invoices", JobA, Lease, Ct);
        Assert.Equal(WorkItemCompleteResult.NotFound, await Store.WorkItems.CompleteAsync(
            new WorkItemCompletion(globex, item.Id, JobA, claimed!.LeaseToken, WorkItemFinish.Done, null, null), Ct));
        Assert.Equal(0, await Store.WorkItems.ReleaseAsync(globex, JobA, "not yours", Ct));
        Assert.Equal(WorkItemState.InProgress, (await Store.WorkItems.GetAsync(acme, item.Id, Ct))!.State);

        await AddAsync(acme, Item(acme, queue: "letters"), Item(acme, queue: "letters"));
        var depths = await Store.WorkItems.ReadDepthsAsync(Ct);
        Assert.Equal([(acme, "letters", 2L)], depths.Select(d => (d.TenantId, d.Queue, d.Pending)));
    }

    [Fact]
    public async Task Concurrent_claimers_never_get_the_same_item()
    {
        var tenant = await CreateTenantAsync("acme");
        const int Count = 200;
        for (var i = 0; i < Count; i += 50)
            await AddAsync(tenant, [.. Enumerable.Range(i, 50).Select(n => Item(tenant, reference: "r" + n))]);

        var seen = new ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
        {
            var holder = new WorkItemHolder("j-" + worker, 1);
            while (await Store.WorkItems.ClaimAsync(tenant, "invoices", holder, Lease, Ct) is { } claimed)
            {
                seen.Add(claimed.Item.Id);
                Assert.Equal(WorkItemCompleteResult.Ok, await Store.WorkItems.CompleteAsync(
                    new WorkItemCompletion(tenant, claimed.Item.Id, holder, claimed.LeaseToken, WorkItemFinish.Done, null, null), Ct));
            }
        })));

        Assert.Equal(Count, seen.Count);
        Assert.Equal(Count, seen.Distinct().Count());
        Assert.Equal(Count, (await Store.WorkItems.StatsAsync(tenant, "invoices", Ct)).Single().Done);
    }

    [Fact]
    public async Task Lineage_records_how_deep_a_child_job_is()
    {
        var tenant = await CreateTenantAsync("acme");
        Assert.Equal(0, await Store.Lineage.DepthOfAsync(tenant, "j-root", Ct));
        await Store.Lineage.RecordAsync(tenant, "j-child", "j-root", 1, Ct);
        await Store.Lineage.RecordAsync(tenant, "j-grandchild", "j-child", 2, Ct);
        await Store.Lineage.RecordAsync(tenant, "j-child", "j-other", 7, Ct);
        Assert.Equal(2, await Store.Lineage.DepthOfAsync(tenant, "j-grandchild", Ct));
        Assert.Equal("j-root", await Store.Lineage.ParentOfAsync(tenant, "j-child", Ct));
        var globex = await CreateTenantAsync("globex");
        Assert.Null(await Store.Lineage.ParentOfAsync(globex, "j-child", Ct));
    }

    private async Task CompleteAsync(string tenant, ClaimedWorkItem claimed, WorkItemFinish finish, string error) =>
        Assert.Equal(WorkItemCompleteResult.Ok, await Store.WorkItems.CompleteAsync(
            new WorkItemCompletion(tenant, claimed.Item.Id, new WorkItemHolder(claimed.Item.JobId!, 1), claimed.LeaseToken, finish, null, error), Ct));
}
