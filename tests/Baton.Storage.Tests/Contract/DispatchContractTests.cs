using Baton.Core.Jobs;
using Baton.Core.Packages;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>
/// The dispatch decisions a claim makes inside its transaction: agent groups, free resources (cumulative
/// within one claim and across claims), capacity reserved for high-priority jobs, changed priorities and
/// package locality — the same on every backend, because every backend calls the same chooser.
/// </summary>
public abstract class DispatchContractTests : StoreContractTests
{
    private static readonly string ShaA = new('a', 64);
    private static readonly string ShaB = new('b', 64);

    [Fact]
    public async Task Queue_groups_and_reservations_are_stored_and_updated()
    {
        var tenant = await CreateTenantAsync("acme");
        await Store.Queues.CreateAsync(new QueueRecord(tenant, "gpu", 0, null, false, Time.GetUtcNow(), ["gpu", "render"], 2, 50), 10, Ct);
        Assert.Equal(new QueueRecord(tenant, "gpu", 0, null, false, Time.GetUtcNow(), ["gpu", "render"], 2, 50), await Store.Queues.GetAsync(tenant, "gpu", Ct));

        var renamed = await Store.Queues.UpdateAsync(tenant, "gpu", new QueueUpdate(AgentGroups: ["gpu"], ReservedSlots: 3), Ct);
        Assert.Equal((3, 50), (renamed!.ReservedSlots, renamed.ReservedMinPriority));
        Assert.Equal(["gpu"], renamed.AgentGroups);
        var untouched = await Store.Queues.UpdateAsync(tenant, "gpu", new QueueUpdate(Priority: 5), Ct);
        Assert.Equal((5, 3, 50), (untouched!.Priority, untouched.ReservedSlots, untouched.ReservedMinPriority));
        Assert.Equal(["gpu"], untouched.AgentGroups);
        var open = await Store.Queues.UpdateAsync(tenant, "gpu", new QueueUpdate(AgentGroups: [], ReservedMinPriority: 10), Ct);
        Assert.Equal((0, 3, 10), (open!.AgentGroups.Count, open.ReservedSlots, open.ReservedMinPriority));
    }

    [Fact]
    public async Task An_agent_is_given_only_jobs_of_queues_its_group_serves()
    {
        var tenant = await CreateTenantAsync("acme");
        await Store.Queues.CreateAsync(new QueueRecord(tenant, "gpu", 10, null, false, Time.GetUtcNow(), ["gpu"]), 10, Ct);
        await SubmitAsync(tenant, NewJob(tenant, "g1") with { Queue = "gpu" });
        await SubmitAsync(tenant, NewJob(tenant, "d1"));

        // The default queue lists no group: every group serves it; the gpu queue only the gpu group.
        Assert.Equal(["d1"], (await ClaimAsync(tenant, "plain", new() { MaxJobs = 5 })).Select(j => j.Id));
        Assert.Empty(await ClaimAsync(tenant, "plain", new() { MaxJobs = 5 }));
        Assert.Equal(["g1"], (await ClaimAsync(tenant, "gpu-box", new() { MaxJobs = 5, Group = "gpu" })).Select(j => j.Id));
    }

    [Fact]
    public async Task Free_resources_are_spent_job_by_job_within_a_claim_and_across_claims()
    {
        var tenant = await CreateTenantAsync("acme");
        for (var i = 1; i <= 3; i++)
        {
            await SubmitAsync(tenant, NewJob(tenant, $"cpu{i}") with { CpuMillicores = 1500, MemoryMb = 1024 });
            Time.Advance(TimeSpan.FromSeconds(1));
        }
        await SubmitAsync(tenant, NewJob(tenant, "big-memory") with { MemoryMb = 7000 });
        Time.Advance(TimeSpan.FromSeconds(1));
        await SubmitAsync(tenant, NewJob(tenant, "free"));

        // 4 CPU, 8192 MB: two 1.5-CPU jobs fit (3 of 4), the third does not; 7000 MB does not fit next to 2048; the no-request job does.
        var first = await ClaimAsync(tenant, "agent-1", new() { MaxJobs = 10, Cpu = 4000, Memory = 8192 });
        Assert.Equal(["cpu1", "cpu2", "free"], first.Select(j => j.Id));

        // The next claim counts what the agent holds: still 1 CPU free.
        Assert.Empty(await ClaimAsync(tenant, "agent-1", new() { MaxJobs = 10, Cpu = 4000, Memory = 8192 }));
        await CompleteAsync(first[0], JobOutcome.Succeeded, exitCode: 0);
        Assert.Equal(["cpu3"], (await ClaimAsync(tenant, "agent-1", new() { MaxJobs = 10, Cpu = 4000, Memory = 8192 })).Select(j => j.Id));

        // An agent that reports no resources takes only jobs that request none.
        Assert.Empty(await ClaimAsync(tenant, "agent-2", new() { MaxJobs = 10 }));
        Assert.Equal(["big-memory"], (await ClaimAsync(tenant, "agent-3", new() { MaxJobs = 10, Cpu = 1000, Memory = 8192 })).Select(j => j.Id));
    }

    [Fact]
    public async Task Agent_loads_sum_the_requests_of_active_jobs()
    {
        var tenant = await CreateTenantAsync("acme");
        await RegisterAgentAsync(tenant, "agent-1");
        await RegisterAgentAsync(tenant, "agent-2");
        await SubmitAsync(tenant, NewJob(tenant, "a") with { CpuMillicores = 500, MemoryMb = 100 });
        await SubmitAsync(tenant, NewJob(tenant, "b") with { CpuMillicores = 250, MemoryMb = 50 });
        await ClaimAsync(tenant, "agent-1", new() { MaxJobs = 5, Cpu = 4000, Memory = 8192 });

        var loads = await Store.Agents.GetActiveLoadsAsync(tenant, Ct);
        Assert.Equal(new AgentLoad(2, 750, 150), loads["agent-1"]);
        Assert.Equal(AgentLoad.None, loads["agent-2"]);
    }

    [Fact]
    public async Task Reserved_slots_are_left_to_high_priority_jobs()
    {
        var tenant = await CreateTenantAsync("acme");
        await Store.Queues.UpdateAsync(tenant, QueueRecord.DefaultName, new QueueUpdate(ReservedSlots: 2, ReservedMinPriority: 50), Ct);
        for (var i = 0; i < 5; i++) await SubmitAsync(tenant, NewJob(tenant, $"low{i}"));

        // Cap 5, 2 reserved: low jobs go only while more than 2 slots are free.
        Assert.Equal(3, (await ClaimAsync(tenant, "agent-1", new() { MaxJobs = 10, Cap = 5 })).Count);
        Assert.Empty(await ClaimAsync(tenant, "agent-2", new() { MaxJobs = 10, Cap = 5 }));

        for (var i = 0; i < 3; i++) await SubmitAsync(tenant, NewJob(tenant, $"high{i}", priority: 50));
        var high = await ClaimAsync(tenant, "agent-2", new() { MaxJobs = 10, Cap = 5 });
        Assert.Equal(["high0", "high1"], high.Select(j => j.Id));
        Assert.Empty(await ClaimAsync(tenant, "agent-3", new() { MaxJobs = 10, Cap = 5 }));
    }

    [Fact]
    public async Task Concurrent_claims_never_eat_into_reserved_slots()
    {
        var tenant = await CreateTenantAsync("acme");
        await Store.Queues.UpdateAsync(tenant, QueueRecord.DefaultName, new QueueUpdate(ReservedSlots: 2, ReservedMinPriority: 1), Ct);
        for (var i = 0; i < 20; i++) await SubmitAsync(tenant, NewJob(tenant, $"low{i:D2}"));

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => ClaimAsync(tenant, $"agent-{i}", new() { MaxJobs = 2, Cap = 6 })));

        Assert.Equal(4, claims.Sum(c => c.Count));
        Assert.Equal(4, await Store.Jobs.CountActiveAsync(tenant, Ct));
    }

    [Fact]
    public async Task A_pending_jobs_priority_changes_with_an_event_and_reorders_claims()
    {
        var tenant = await CreateTenantAsync("acme");
        var first = await SubmitAsync(tenant, NewJob(tenant, "first"));
        Time.Advance(TimeSpan.FromSeconds(1));
        await SubmitAsync(tenant, NewJob(tenant, "second"));

        var (result, changed) = await Store.Jobs.ChangePriorityAsync(tenant, "second", 40, Ct);
        Assert.Equal(PriorityChangeResult.Changed, result);
        Assert.Equal(40, changed!.Priority);
        var events = await Store.Jobs.ListEventsAsync(tenant, "second", Ct);
        Assert.Equal(("priority_changed", "priority changed from 0 to 40"), (events[^1].Type, events[^1].Message));

        Assert.Equal(["second"], (await ClaimAsync(tenant, "agent-1", new())).Select(j => j.Id));
        var (notPending, assigned) = await Store.Jobs.ChangePriorityAsync(tenant, "second", 0, Ct);
        Assert.Equal((PriorityChangeResult.NotPending, JobState.Assigned, 40), (notPending, assigned!.State, assigned.Priority));

        var other = await CreateTenantAsync("globex");
        Assert.Equal(PriorityChangeResult.NotFound, (await Store.Jobs.ChangePriorityAsync(other, first.Id, 9, Ct)).Result);
        Assert.Equal(0, (await Store.Jobs.GetAsync(tenant, first.Id, Ct))!.Priority);
    }

    [Fact]
    public async Task Locality_prefers_a_cached_package_among_equals_but_never_over_priority_or_past_the_wait()
    {
        var tenant = await CreateTenantAsync("acme");
        await SubmitAsync(tenant, NewJob(tenant, "old-a") with { PackageSha256 = ShaA });
        Time.Advance(TimeSpan.FromSeconds(1));
        await SubmitAsync(tenant, NewJob(tenant, "new-b") with { PackageSha256 = ShaB });
        await SubmitAsync(tenant, NewJob(tenant, "urgent-a", priority: 5) with { PackageSha256 = ShaA });

        var cachesB = new ClaimOptions { Cached = [ShaB] };
        // A higher priority goes first even though its package is not cached.
        Assert.Equal(["urgent-a"], (await ClaimAsync(tenant, "agent-1", cachesB)).Select(j => j.Id));
        // Among equals, the cached package jumps the older job…
        Assert.Equal(["new-b"], (await ClaimAsync(tenant, "agent-1", cachesB)).Select(j => j.Id));

        // …but not once the older job has waited past the locality limit.
        await SubmitAsync(tenant, NewJob(tenant, "newer-b") with { PackageSha256 = ShaB });
        Time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(["old-a"], (await ClaimAsync(tenant, "agent-1", cachesB)).Select(j => j.Id));
    }

    [Fact]
    public async Task Recently_published_versions_are_listed_newest_first()
    {
        var tenant = await CreateTenantAsync("acme");
        await AddVersionAsync(tenant, "1.0.0", 'a');
        Time.Advance(TimeSpan.FromMinutes(20));
        var since = Time.GetUtcNow();
        await AddVersionAsync(tenant, "1.1.0", 'b');
        Time.Advance(TimeSpan.FromSeconds(1));
        await AddVersionAsync(tenant, "1.2.0", 'c');
        var other = await CreateTenantAsync("globex");
        await AddVersionAsync(other, "9.0.0", 'd');

        var recent = await Store.Packages.ListPublishedSinceAsync(tenant, since, 10, Ct);
        Assert.Equal(["1.2.0", "1.1.0"], recent.Select(v => v.Version));
        Assert.Single(await Store.Packages.ListPublishedSinceAsync(tenant, since, 1, Ct));
    }

    private async Task AddVersionAsync(string tenantId, string version, char sha) =>
        await Store.Packages.AddVersionAsync(new PackageVersionRecord(tenantId, "hello", version, new string(sha, 64), 10,
            new PackageManifest { Name = "hello", Version = version, Entrypoint = new PackageEntrypoint { Module = "main", Function = "run" } },
            Time.GetUtcNow()), long.MaxValue, Ct);

    private Task<IReadOnlyList<JobRecord>> ClaimAsync(string tenantId, string agentId, ClaimOptions options) =>
        Store.Jobs.ClaimAsync(new JobClaimRequest(tenantId, agentId, options.MaxJobs, options.Cap, LeaseTtl, _ => true)
        {
            AgentGroup = options.Group,
            AgentCpuMillicores = options.Cpu,
            AgentMemoryMb = options.Memory,
            CachedPackages = options.Cached,
        }, Ct);

    private sealed record ClaimOptions
    {
        public int MaxJobs { get; init; } = 1;
        public int Cap { get; init; } = 100;
        public string Group { get; init; } = "default";
        public int? Cpu { get; init; }
        public long? Memory { get; init; }
        public HashSet<string> Cached { get; init; } = [];
    }
}
