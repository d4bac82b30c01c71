using System.Collections.Concurrent;
using System.Text.Json;
using Baton.Core.Jobs;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>
/// Work-item queue triggers: saving and reading, the demand the scheduler sees (items waiting, slots with active jobs),
/// and the slot's compare-and-set that keeps racing replicas to one job per slot generation.
/// </summary>
public abstract class WorkItemTriggerContractTests : StoreContractTests
{
    private WorkItemTriggerRecord Trigger(string tenantId, string queue = "invoices", int maxJobs = 2, int minItems = 1, string? id = null) => new()
    {
        TenantId = tenantId,
        Queue = queue,
        Id = id ?? "wit-" + Guid.NewGuid().ToString("N")[..8],
        PackageName = "consumer",
        PackageVersion = null,
        MaxJobs = maxJobs,
        MinItems = minItems,
        CreatedAt = Time.GetUtcNow(),
        UpdatedAt = Time.GetUtcNow(),
    };

    private async Task AddItemsAsync(string tenantId, int count, string queue = "invoices")
    {
        var items = Enumerable.Range(0, count).Select(_ => new NewWorkItem(Baton.Core.SortableIds.New("wi_", Time.GetUtcNow()), tenantId, queue, null, 0,
            JsonSerializer.SerializeToElement(new { }), null, 3)).ToList();
        Assert.Empty((await Store.WorkItems.AddAsync(tenantId, items, Ct)).DuplicateReferences);
    }

    private Task<bool> AdvanceAsync(WorkItemTriggerRecord trigger, int slot, long expected, string jobId) =>
        Store.WorkItemTriggers.AdvanceSlotAsync(new WorkItemTriggerStart(trigger.TenantId, trigger.Queue, trigger.Id, slot, expected, jobId), Ct);

    [Fact]
    public async Task A_trigger_is_created_changed_in_place_read_and_deleted_in_its_own_tenant()
    {
        var acme = await CreateTenantAsync("acme");
        var (created, isNew) = await Store.WorkItemTriggers.SaveAsync(Trigger(acme, maxJobs: 2, id: "wit-1"), Ct);
        Assert.True(isNew);
        Assert.Equal(("wit-1", "consumer", 2, 1), (created.Id, created.PackageName, created.MaxJobs, created.MinItems));

        Time.Advance(TimeSpan.FromMinutes(1));
        var (changed, again) = await Store.WorkItemTriggers.SaveAsync(Trigger(acme, maxJobs: 5, minItems: 10, id: "wit-2") with { PackageVersion = "2.0.0" }, Ct);
        Assert.False(again);
        // A change keeps the trigger's id (its jobs' keys) and when it was made.
        Assert.Equal(("wit-1", 5, 10, "2.0.0", Start), (changed.Id, changed.MaxJobs, changed.MinItems, changed.PackageVersion, changed.CreatedAt));
        Assert.Equal(Time.GetUtcNow(), changed.UpdatedAt);
        Assert.Equal(changed, await Store.WorkItemTriggers.GetAsync(acme, "invoices", Ct));
        await Store.WorkItemTriggers.SaveAsync(Trigger(acme, queue: "letters"), Ct);
        Assert.Equal(["invoices", "letters"], (await Store.WorkItemTriggers.ListAsync(acme, Ct)).Select(t => t.Queue));

        var globex = await CreateTenantAsync("globex");
        Assert.Null(await Store.WorkItemTriggers.GetAsync(globex, "invoices", Ct));
        Assert.Empty(await Store.WorkItemTriggers.ListAsync(globex, Ct));
        Assert.False(await Store.WorkItemTriggers.DeleteAsync(globex, "invoices", Ct));
        Assert.False(await AdvanceAsync(changed with { TenantId = globex }, 0, 0, "j-x"));

        Assert.True(await Store.WorkItemTriggers.DeleteAsync(acme, "invoices", Ct));
        Assert.Null(await Store.WorkItemTriggers.GetAsync(acme, "invoices", Ct));
        Assert.False(await Store.WorkItemTriggers.DeleteAsync(acme, "invoices", Ct));
    }

    [Fact]
    public async Task Demand_needs_the_minimum_of_waiting_items_and_a_free_slot()
    {
        var tenant = await CreateTenantAsync("acme");
        var (trigger, _) = await Store.WorkItemTriggers.SaveAsync(Trigger(tenant, maxJobs: 1, minItems: 2), Ct);
        Assert.Empty(await Store.WorkItemTriggers.ListDemandAsync(100, 1000, Ct));
        await AddItemsAsync(tenant, 1);
        Assert.Empty(await Store.WorkItemTriggers.ListDemandAsync(100, 1000, Ct));
        await AddItemsAsync(tenant, 4);
        // Another queue's items and another tenant's trigger do not count.
        await AddItemsAsync(tenant, 3, queue: "letters");
        var globex = await CreateTenantAsync("globex");
        await Store.WorkItemTriggers.SaveAsync(Trigger(globex, minItems: 1), Ct);

        var demand = Assert.Single(await Store.WorkItemTriggers.ListDemandAsync(100, 1000, Ct));
        Assert.Equal((tenant, "invoices", 5L), (demand.Trigger.TenantId, demand.Trigger.Queue, demand.Pending));
        Assert.Empty(demand.Slots);
        // Counting stops at the cap.
        Assert.Equal(3L, Assert.Single(await Store.WorkItemTriggers.ListDemandAsync(100, 3, Ct)).Pending);

        // A job in the only slot: no demand while it is active, demand again once it has ended.
        var job = await SubmitAsync(tenant);
        Assert.True(await AdvanceAsync(trigger, 0, 0, job.Id));
        Assert.Empty(await Store.WorkItemTriggers.ListDemandAsync(100, 1000, Ct));
        var slot = Assert.Single(await Store.WorkItemTriggers.ListSlotsAsync(tenant, "invoices", Ct));
        Assert.Equal((0, 1L, job.Id, JobState.Pending, true), (slot.Slot, slot.Generation, slot.JobId, slot.JobState, slot.Active));

        var claimed = Assert.Single(await ClaimAsync(tenant, "agent-1"));
        Time.Advance(TimeSpan.FromSeconds(3));
        await CompleteAsync(claimed, JobOutcome.Failed, exitCode: 1, error: "boom");
        demand = Assert.Single(await Store.WorkItemTriggers.ListDemandAsync(100, 1000, Ct));
        slot = Assert.Single(demand.Slots);
        Assert.Equal((JobState.Failed, false, Time.GetUtcNow()), (slot.JobState, slot.Active, slot.JobFinishedAt));

        // Nothing waiting: no demand, whatever the slots.
        while (await Store.WorkItems.ClaimAsync(tenant, "invoices", new WorkItemHolder("j-c", 1), TimeSpan.FromMinutes(1), Ct) is not null)
        {
        }
        Assert.Empty(await Store.WorkItemTriggers.ListDemandAsync(100, 1000, Ct));
    }

    [Fact]
    public async Task A_slot_moves_once_per_generation_and_only_for_the_trigger_that_read_it()
    {
        var tenant = await CreateTenantAsync("acme");
        var (trigger, _) = await Store.WorkItemTriggers.SaveAsync(Trigger(tenant), Ct);
        Assert.True(await AdvanceAsync(trigger, 0, 0, "j-1"));
        Assert.False(await AdvanceAsync(trigger, 0, 0, "j-other"));
        Assert.True(await AdvanceAsync(trigger, 0, 1, "j-2"));
        Assert.False(await AdvanceAsync(trigger, 0, 1, "j-other"));
        Assert.True(await AdvanceAsync(trigger, 1, 0, "j-3"));
        Assert.Equal([(0, 2L, "j-2"), (1, 1L, "j-3")],
            (await Store.WorkItemTriggers.ListSlotsAsync(tenant, "invoices", Ct)).Select(s => (s.Slot, s.Generation, s.JobId)));
        // A job the store does not know (gone) leaves its slot free.
        Assert.All(await Store.WorkItemTriggers.ListSlotsAsync(tenant, "invoices", Ct), s => Assert.False(s.Active));

        // Deleted and created again: a new trigger with fresh slots, which the old one's reads cannot move.
        Assert.True(await Store.WorkItemTriggers.DeleteAsync(tenant, "invoices", Ct));
        var (renewed, created) = await Store.WorkItemTriggers.SaveAsync(Trigger(tenant), Ct);
        Assert.True(created);
        Assert.Empty(await Store.WorkItemTriggers.ListSlotsAsync(tenant, "invoices", Ct));
        Assert.False(await AdvanceAsync(trigger, 0, 0, "j-stale"));
        Assert.True(await AdvanceAsync(renewed, 0, 0, "j-4"));
    }

    [Fact]
    public async Task Racing_starters_move_a_slot_once()
    {
        var tenant = await CreateTenantAsync("acme");
        var (trigger, _) = await Store.WorkItemTriggers.SaveAsync(Trigger(tenant), Ct);
        foreach (var expected in new long[] { 0, 1, 2 })
        {
            var winners = new ConcurrentBag<string>();
            await Task.WhenAll(Enumerable.Range(0, 8).Select(racer => Task.Run(async () =>
            {
                if (await AdvanceAsync(trigger, 0, expected, $"j-{expected}-{racer}")) winners.Add($"j-{expected}-{racer}");
            })));
            var winner = Assert.Single(winners);
            Assert.Equal((expected + 1, winner), (await Store.WorkItemTriggers.ListSlotsAsync(tenant, "invoices", Ct)).Select(s => (s.Generation, s.JobId)).Single());
        }
    }

    [Fact]
    public async Task A_refusal_is_recorded_until_the_next_start_clears_it()
    {
        var tenant = await CreateTenantAsync("acme");
        var (trigger, _) = await Store.WorkItemTriggers.SaveAsync(Trigger(tenant), Ct);
        await Store.WorkItemTriggers.RecordErrorAsync(tenant, "invoices", trigger.Id, "Package 'consumer' was not found", Ct);
        var refused = await Store.WorkItemTriggers.GetAsync(tenant, "invoices", Ct);
        Assert.Equal(("Package 'consumer' was not found", Time.GetUtcNow(), (DateTimeOffset?)null), (refused!.LastError, refused.LastErrorAt, refused.LastStartedAt));

        Time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(await AdvanceAsync(trigger, 0, 0, "j-1"));
        var started = await Store.WorkItemTriggers.GetAsync(tenant, "invoices", Ct);
        Assert.Equal((null, null, Time.GetUtcNow()), (started!.LastError, started.LastErrorAt, started.LastStartedAt));
    }
}
