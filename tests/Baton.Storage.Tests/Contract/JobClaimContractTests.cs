using System.Collections.Concurrent;
using Baton.Core.Jobs;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>Claiming pending jobs: order, limits, capability filtering, backoff, tenants, races.</summary>
public abstract class JobClaimContractTests : StoreContractTests
{
    [Fact]
    public async Task Claim_takes_the_highest_priority_first_then_the_oldest_and_leases_it()
    {
        var tenant = await CreateTenantAsync("acme");
        await SubmitAsync(tenant, id: "low", priority: 0);
        Time.Advance(TimeSpan.FromSeconds(1));
        await SubmitAsync(tenant, id: "high-new", priority: 9);
        await SubmitAsync(tenant, id: "mid", priority: 5);
        Time.Advance(TimeSpan.FromSeconds(1));
        await SubmitAsync(tenant, id: "high-newer", priority: 9);
        Time.Advance(TimeSpan.FromSeconds(1));

        var claimed = await ClaimAsync(tenant, "agent-1", maxJobs: 3);

        Assert.Equal(["high-new", "high-newer", "mid"], claimed.Select(j => j.Id));
        var now = Time.GetUtcNow();
        Assert.All(claimed, job =>
        {
            Assert.Equal(JobState.Assigned, job.State);
            Assert.Equal(1, job.Attempt);
            Assert.Equal("agent-1", job.AgentId);
            Assert.Equal(now, job.AssignedAt);
            Assert.Equal(now + LeaseTtl, job.LeaseExpiresAt);
            Assert.Null(job.StartedAt);
        });
        var assigned = (await Store.Jobs.ListEventsAsync(tenant, "mid", Ct))[^1];
        Assert.Equal(JobEventTypes.Assigned, assigned.Type);
        Assert.Equal(1, assigned.Attempt);
        Assert.Equal("agent-1", assigned.AgentId);
        Assert.Equal(JobState.Pending, (await Store.Jobs.GetAsync(tenant, "low", Ct))!.State);
    }

    [Fact]
    public async Task Assignments_the_agent_never_received_go_back_without_spending_an_attempt()
    {
        var tenant = await CreateTenantAsync("acme");
        await SubmitAsync(tenant, id: "received");
        await SubmitAsync(tenant, id: "lost");
        await SubmitAsync(tenant, id: "started");
        var claimed = await ClaimAsync(tenant, "agent-1", maxJobs: 3);
        Assert.Equal(3, claimed.Count);
        Assert.Equal(AttemptWriteResult.Ok, await Store.Jobs.MarkStartedAsync(tenant, "started", "agent-1", 1, Ct));
        var assignedAt = Time.GetUtcNow();

        // A poll that began before the assignment says nothing about it.
        Assert.Empty(await Store.Jobs.ReleaseUndeliveredAsync(tenant, "agent-1", [], assignedAt, Ct));

        Time.Advance(TimeSpan.FromSeconds(1));
        var released = await Store.Jobs.ReleaseUndeliveredAsync(
            tenant, "agent-1", [new Core.AgentProtocol.JobRef("received", 1)], Time.GetUtcNow(), Ct);

        var job = Assert.Single(released);
        Assert.Equal("lost", job.Id);
        Assert.Equal(JobState.Pending, job.State);
        Assert.Equal(0, job.Attempt);
        Assert.Null(job.AgentId);
        Assert.Equal(JobState.Assigned, (await Store.Jobs.GetAsync(tenant, "received", Ct))!.State);
        Assert.Equal(JobState.Running, (await Store.Jobs.GetAsync(tenant, "started", Ct))!.State);
        Assert.Equal(JobEventTypes.Released, (await Store.Jobs.ListEventsAsync(tenant, "lost", Ct))[^1].Type);

        // Another tenant or agent releases nothing, and the job is claimable again at attempt 1.
        Assert.Empty(await Store.Jobs.ReleaseUndeliveredAsync("other-tenant", "agent-1", [], Time.GetUtcNow(), Ct));
        var again = Assert.Single(await ClaimAsync(tenant, "agent-2"));
        Assert.Equal(("lost", 1), (again.Id, again.Attempt));
    }

    [Fact]
    public async Task Claim_never_takes_the_tenant_past_its_concurrency_limit()
    {
        var tenant = await CreateTenantAsync("acme");
        for (var i = 0; i < 5; i++) await SubmitAsync(tenant);

        var first = await ClaimAsync(tenant, "agent-1", maxJobs: 4, concurrencyLimit: 2);
        var second = await ClaimAsync(tenant, "agent-2", maxJobs: 4, concurrencyLimit: 2);
        await CompleteAsync(first[0], JobOutcome.Succeeded, exitCode: 0);
        var third = await ClaimAsync(tenant, "agent-2", maxJobs: 4, concurrencyLimit: 2);

        Assert.Equal(2, first.Count);
        Assert.Empty(second);
        Assert.Single(third);
        Assert.Equal(2, await Store.Jobs.CountActiveAsync(tenant, Ct));
    }

    [Fact]
    public async Task Claim_skips_jobs_the_agent_cannot_run_and_leaves_them_pending()
    {
        var tenant = await CreateTenantAsync("acme");
        await SubmitAsync(tenant, id: "needs-gpu", priority: 9, requirements: ["gpu=true"]);
        await SubmitAsync(tenant, id: "plain");
        bool NoGpu(JobRecord job) => !job.Requirements.Contains("gpu=true");

        var claimed = await ClaimAsync(tenant, "agent-1", maxJobs: 5, canRun: NoGpu);
        var gpuAgent = await ClaimAsync(tenant, "agent-gpu", maxJobs: 5);

        Assert.Equal(["plain"], claimed.Select(j => j.Id));
        Assert.Equal(["needs-gpu"], gpuAgent.Select(j => j.Id));
        Assert.Equal(1, gpuAgent[0].Attempt);
    }

    [Fact]
    public async Task Claim_waits_for_the_retry_delay_of_a_failed_attempt()
    {
        var tenant = await CreateTenantAsync("acme");
        var job = await SubmitAndClaimAsync(tenant, "agent-1", maxAttempts: 2);
        await CompleteAsync(job, JobOutcome.Failed, exitCode: 1, error: "boom");

        var early = await ClaimAsync(tenant, "agent-1");
        Time.Advance(TimeSpan.FromMilliseconds(1999));
        var stillEarly = await ClaimAsync(tenant, "agent-1");
        Time.Advance(TimeSpan.FromMilliseconds(1));
        var retried = await ClaimAsync(tenant, "agent-2");

        Assert.Empty(early);
        Assert.Empty(stillEarly);
        var second = Assert.Single(retried);
        Assert.Equal(2, second.Attempt);
        Assert.Equal("agent-2", second.AgentId);
        Assert.Null(second.NotBefore);
    }

    [Fact]
    public async Task Claim_takes_only_jobs_of_the_agents_tenant()
    {
        var acme = await CreateTenantAsync("acme");
        var other = await CreateTenantAsync("other");
        var otherJob = await SubmitAsync(other);

        var claimed = await ClaimAsync(acme, "agent-1", maxJobs: 10);

        Assert.Empty(claimed);
        Assert.Equal(JobState.Pending, (await Store.Jobs.GetAsync(other, otherJob.Id, Ct))!.State);
    }

    [Fact]
    public async Task Claim_does_not_take_cancelled_or_finished_jobs()
    {
        var tenant = await CreateTenantAsync("acme");
        var cancelled = await SubmitAsync(tenant);
        await Store.Jobs.RequestCancelAsync(tenant, cancelled.Id, Ct);
        var done = await SubmitAndClaimAsync(tenant, "agent-1");
        await CompleteAsync(done, JobOutcome.Succeeded, exitCode: 0);

        Assert.Empty(await ClaimAsync(tenant, "agent-1", maxJobs: 10));
    }

    [Fact]
    public async Task Parallel_claimers_take_every_job_exactly_once_within_the_limit()
    {
        const int jobCount = 200;
        const int claimers = 8;
        const int limit = 20;
        var tenant = await CreateTenantAsync("acme");
        for (var i = 0; i < jobCount; i++) await SubmitAsync(tenant, id: $"job-{i:D3}");

        var claimedBy = new ConcurrentDictionary<string, string>();
        var duplicates = new ConcurrentBag<string>();
        var overLimit = new ConcurrentBag<int>();
        async Task RunClaimerAsync(string agentId)
        {
            var idleRounds = 0;
            while (idleRounds < 3)
            {
                var claimed = await ClaimAsync(tenant, agentId, maxJobs: 4, concurrencyLimit: limit);
                var active = await Store.Jobs.CountActiveAsync(tenant, Ct);
                if (active > limit) overLimit.Add(active);
                if (claimed.Count == 0)
                {
                    idleRounds++;
                    await Task.Yield();
                    continue;
                }
                idleRounds = 0;
                foreach (var job in claimed)
                {
                    if (!claimedBy.TryAdd(job.Id, agentId)) duplicates.Add(job.Id);
                    var (result, _) = await CompleteAsync(job, JobOutcome.Succeeded, exitCode: 0);
                    Assert.Equal(AttemptWriteResult.Ok, result);
                }
                // A backend with synchronous I/O (SQLite) never yields its thread otherwise: on a busy
                // machine one claimer could drain the queue before the others are even scheduled.
                await Task.Delay(TimeSpan.FromMilliseconds(1));
            }
        }

        await Task.WhenAll(Enumerable.Range(0, claimers).Select(i => Task.Run(() => RunClaimerAsync($"agent-{i}"))));
        // A claimer may give up while others still hold jobs; drain what is left.
        await RunClaimerAsync("agent-drain");

        Assert.Empty(duplicates);
        Assert.Empty(overLimit);
        Assert.Equal(jobCount, claimedBy.Count);
        Assert.Equal(0, await Store.Jobs.CountPendingAsync(tenant, Ct));
        var all = await Store.Jobs.ListAsync(tenant, new JobQuery(Limit: 500), Ct);
        Assert.Equal(jobCount, all.Items.Count);
        Assert.All(all.Items, job =>
        {
            Assert.Equal(JobState.Succeeded, job.State);
            Assert.Equal(1, job.Attempt);
            Assert.Equal(claimedBy[job.Id], job.AgentId);
        });
        Assert.True(claimedBy.Values.Distinct().Count() > 1, "the claimers should have shared the work");
    }

    [Fact]
    public async Task A_runnable_job_behind_many_the_agent_cannot_run_is_found()
    {
        var tenant = await CreateTenantAsync("acme");
        for (var i = 0; i < 60; i++) await SubmitAsync(tenant, priority: 10, package: "gpu-only");
        var runnable = await SubmitAsync(tenant, package: "hello");

        var claimed = await ClaimAsync(tenant, "agent-1", maxJobs: 2, canRun: job => job.PackageName != "gpu-only");

        Assert.Equal([runnable.Id], claimed.Select(j => j.Id));
        Assert.Equal(60, (await Store.Jobs.CountPendingAsync(tenant, Ct)));
    }
}
