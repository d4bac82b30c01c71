using System.Collections.Concurrent;
using Baton.Core.Jobs;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>Batched claims: one claim transaction serving several agents of a tenant.</summary>
public abstract class JobBatchClaimContractTests : StoreContractTests
{
    private JobClaimRequest Request(string tenant, string agentId, int maxJobs, int limit = 100, string group = "default",
        Func<JobRecord, bool>? canRun = null) =>
        new(tenant, agentId, maxJobs, limit, LeaseTtl, canRun ?? (_ => true)) { AgentGroup = group };

    [Fact]
    public async Task A_batch_serves_each_agent_in_turn_with_its_own_jobs_and_events()
    {
        var tenant = await CreateTenantAsync("acme");
        for (var i = 0; i < 5; i++)
        {
            await SubmitAsync(tenant, id: $"job-{i}");
            Time.Advance(TimeSpan.FromSeconds(1));
        }
        var gpuJob = await SubmitAsync(tenant, id: "gpu-job", priority: 5, package: "gpu-only");

        var result = await Store.Jobs.ClaimManyAsync(tenant,
        [
            Request(tenant, "agent-a", 2, canRun: job => job.PackageName != "gpu-only"),
            Request(tenant, "agent-b", 2),
            Request(tenant, "agent-c", 0),
            Request(tenant, "agent-d", 3, canRun: job => job.PackageName != "gpu-only"),
        ], Ct);

        // The batch took every ready job: nothing is left to look for until new work comes.
        Assert.True(result.NoneReady);
        Assert.Equal(4, result.Jobs.Count);
        Assert.Equal(["job-0", "job-1"], result.Jobs[0].Select(j => j.Id));
        Assert.Equal([gpuJob.Id, "job-2"], result.Jobs[1].Select(j => j.Id));
        Assert.Empty(result.Jobs[2]);
        Assert.Equal(["job-3", "job-4"], result.Jobs[3].Select(j => j.Id));
        foreach (var (jobs, agent) in result.Jobs.Zip(["agent-a", "agent-b", "agent-c", "agent-d"]))
        {
            foreach (var job in jobs)
            {
                Assert.Equal((JobState.Assigned, agent, 1), (job.State, job.AgentId, job.Attempt));
                Assert.Equal(Time.GetUtcNow() + LeaseTtl, job.LeaseExpiresAt);
                var assigned = (await Store.Jobs.ListEventsAsync(tenant, job.Id, Ct))[^1];
                Assert.Equal((JobEventTypes.Assigned, agent), (assigned.Type, assigned.AgentId));
            }
        }
        Assert.Equal(0, await Store.Jobs.CountPendingAsync(tenant, Ct));
    }

    [Fact]
    public async Task A_batch_spends_the_tenant_cap_and_queue_caps_across_its_agents()
    {
        var tenant = await CreateTenantAsync("acme");
        await Store.Queues.CreateAsync(new QueueRecord(tenant, "narrow", 0, 2, false, Time.GetUtcNow()), 10, Ct);
        for (var i = 0; i < 6; i++) await SubmitAsync(tenant, NewJob(tenant, $"n{i}") with { Queue = "narrow" });
        Time.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < 6; i++) await SubmitAsync(tenant, NewJob(tenant, $"d{i}"));

        var result = await Store.Jobs.ClaimManyAsync(tenant,
            [.. Enumerable.Range(0, 5).Select(i => Request(tenant, $"agent-{i}", 4, limit: 5))], Ct);

        var all = result.Jobs.SelectMany(jobs => jobs).ToList();
        Assert.Equal(5, all.Count);
        Assert.Equal(5, all.Select(j => j.Id).Distinct().Count());
        Assert.Equal(2, all.Count(j => j.Queue == "narrow"));
        Assert.Equal(5, await Store.Jobs.CountActiveAsync(tenant, Ct));
        Assert.Empty((await Store.Jobs.ClaimManyAsync(tenant, [Request(tenant, "late", 4, limit: 5)], Ct)).Jobs[0]);
    }

    [Fact]
    public async Task A_batch_over_a_tenant_without_ready_work_says_so()
    {
        var tenant = await CreateTenantAsync("acme");
        var none = await Store.Jobs.ClaimManyAsync(tenant, [Request(tenant, "a", 4), Request(tenant, "b", 4)], Ct);
        Assert.True(none.NoneReady);
        Assert.All(none.Jobs, Assert.Empty);

        await SubmitAsync(tenant, id: "only");
        await SubmitAsync(tenant, id: "gpu", package: "gpu-only");
        bool NoGpu(JobRecord job) => job.PackageName != "gpu-only";
        var one = await Store.Jobs.ClaimManyAsync(tenant, [Request(tenant, "a", 4, canRun: NoGpu), Request(tenant, "b", 4, canRun: NoGpu)], Ct);
        Assert.False(one.NoneReady); // the gpu job is ready, only these agents cannot run it
        Assert.Equal(["only"], one.Jobs[0].Select(j => j.Id));
        Assert.Empty(one.Jobs[1]);

        var last = await Store.Jobs.ClaimManyAsync(tenant, [Request(tenant, "gpu-box", 4)], Ct);
        Assert.Equal(["gpu"], last.Jobs[0].Select(j => j.Id));
        Assert.True(last.NoneReady); // it took the last ready job
    }

    [Fact]
    public async Task A_batch_mixing_tenants_or_limits_is_refused()
    {
        var acme = await CreateTenantAsync("acme");
        var other = await CreateTenantAsync("other");
        await Assert.ThrowsAsync<ArgumentException>(() => Store.Jobs.ClaimManyAsync(acme, [Request(acme, "a", 1), Request(other, "b", 1)], Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.Jobs.ClaimManyAsync(acme, [Request(acme, "a", 1, limit: 5), Request(acme, "b", 1, limit: 6)], Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.Jobs.ClaimManyAsync(acme, [], Ct));
    }

    [Fact]
    public async Task Parallel_batches_take_every_job_exactly_once_within_the_tenant_and_queue_caps()
    {
        const int jobCount = 240;
        const int limit = 24;
        const int queueCap = 6;
        var tenant = await CreateTenantAsync("acme");
        await Store.Queues.CreateAsync(new QueueRecord(tenant, "capped", 0, queueCap, false, Time.GetUtcNow()), 10, Ct);
        for (var i = 0; i < jobCount; i++)
        {
            var job = NewJob(tenant, $"job-{i:D3}");
            await SubmitAsync(tenant, i % 3 == 0 ? job with { Queue = "capped" } : job);
        }

        var claimedBy = new ConcurrentDictionary<string, string>();
        var duplicates = new ConcurrentBag<string>();
        var overCap = new ConcurrentBag<string>();
        // Two "replicas" with eight polls each: every batch serves eight agents at once.
        async Task RunDispatcherAsync(string replica)
        {
            var agents = Enumerable.Range(0, 8).Select(i => $"{replica}-agent-{i}").ToList();
            var idleRounds = 0;
            while (idleRounds < 3)
            {
                var result = await Store.Jobs.ClaimManyAsync(tenant, [.. agents.Select(a => Request(tenant, a, 2, limit))], Ct);
                var claimed = result.Jobs.SelectMany(jobs => jobs).ToList();
                var active = await Store.Jobs.CountActiveAsync(tenant, Ct);
                if (active > limit) overCap.Add($"tenant at {active}");
                var running = (await Store.Jobs.ListAsync(tenant, new JobQuery(State: JobState.Assigned, Limit: 500), Ct)).Items;
                if (running.Count(j => j.Queue == "capped") > queueCap) overCap.Add("queue over its cap");
                if (claimed.Count == 0)
                {
                    idleRounds++;
                    await Task.Delay(TimeSpan.FromMilliseconds(1));
                    continue;
                }
                idleRounds = 0;
                foreach (var job in claimed)
                {
                    if (!claimedBy.TryAdd(job.Id, job.AgentId!)) duplicates.Add(job.Id);
                    Assert.Equal(AttemptWriteResult.Ok, (await CompleteAsync(job, JobOutcome.Succeeded, exitCode: 0)).Result);
                }
                await Task.Delay(TimeSpan.FromMilliseconds(1));
            }
        }

        await Task.WhenAll(Task.Run(() => RunDispatcherAsync("r1")), Task.Run(() => RunDispatcherAsync("r2")));
        await RunDispatcherAsync("drain");

        Assert.Empty(duplicates);
        Assert.Empty(overCap);
        Assert.Equal(jobCount, claimedBy.Count);
        Assert.Equal(0, await Store.Jobs.CountPendingAsync(tenant, Ct));
        Assert.True(claimedBy.Values.Select(a => a.Split('-')[0]).Distinct().Count() > 1, "both dispatchers should have claimed");
    }
}
