using System.Net;
using System.Net.Http.Json;
using Baton.Core.AgentProtocol;
using Baton.Core.Api;
using Baton.Server.Dispatch;
using Baton.Server.Tests.Support;
using Baton.Storage;
using Microsoft.Extensions.DependencyInjection;
using static Baton.Server.Tests.SharedPool.SharedPoolTestSupport;

namespace Baton.Server.Tests.SharedPool;

/// <summary>Shared agents over real HTTP: serving several tenants, fair share, isolation, caps.</summary>
public abstract class SharedPoolTests : IAsyncLifetime
{
    private readonly ServerHarness _harness = new();

    protected ServerHarness Server => _harness;

    protected abstract Task<ServerHarness> StartServerAsync(ServerHarness harness);

    protected virtual Task StopBackendAsync() => Task.CompletedTask;

    public async Task InitializeAsync() => await StartServerAsync(_harness);

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await StopBackendAsync();
    }

    [Fact]
    public async Task A_shared_agent_runs_jobs_of_two_tenants_and_is_listed_only_for_system_admins()
    {
        using var a = await TenantWithPackageAsync(Server);
        using var b = await TenantWithPackageAsync(Server);
        var jobA = (await SubmitAsync(a, 1))[0];
        var jobB = (await SubmitAsync(b, 1))[0];
        using var shared = await RegisterSharedAgentAsync(Server);

        var poll = await shared.PollAsync(4);
        Assert.Equal([jobA, jobB], poll.Jobs.Select(j => j.JobId).Order());
        foreach (var job in poll.Jobs)
        {
            await shared.DownloadAsync(job.Package.Sha256).ShouldBeAsync(HttpStatusCode.OK);
            await shared.StartAsync(job.JobId, job.Attempt).ShouldBeAsync(HttpStatusCode.NoContent);
            await shared.LogAsync(job.JobId, job.Attempt, "hello from the pool").ShouldBeAsync(HttpStatusCode.OK);
            await shared.CompleteAsync(job.JobId, job.Attempt, "succeeded", new { ok = true }).ShouldBeAsync(HttpStatusCode.OK);
        }
        foreach (var (tenant, id) in new[] { (a, jobA), (b, jobB) })
        {
            var job = await tenant.Client.GetAsync($"/api/v1/jobs/{id}").ReadAsync<JobDto>();
            Assert.Equal(("succeeded", shared.Id), (job.State, job.AgentId));
            Assert.Contains("hello from the pool", await tenant.Client.GetStringAsync($"/api/v1/jobs/{id}/logs"), StringComparison.Ordinal);
            Assert.Equal(8, (await UsageAsync(tenant)).SharedPoolWeight);
        }

        // Tenants never see shared agents; system admins list them apart.
        Assert.Empty((await a.Client.GetAsync("/api/v1/agents").ReadAsync<ListResponse<AgentDto>>()).Items);
        await a.Client.GetAsync("/api/v1/shared-pool/agents").ShouldBeAsync(HttpStatusCode.Forbidden);
        await a.Client.PostAsJsonAsync("/api/v1/shared-pool/enrollment-tokens", new CreateEnrollmentTokenRequest("x")).ShouldBeAsync(HttpStatusCode.Forbidden);
        using var admin = Server.Client();
        var pool = await admin.GetAsync("/api/v1/shared-pool/agents").ReadAsync<ListResponse<AgentDto>>();
        Assert.Equal(shared.Id, Assert.Single(pool.Items).Id);
        var tenants = await admin.GetAsync("/api/v1/tenants").ReadAsync<ListResponse<TenantDto>>();
        Assert.DoesNotContain(tenants.Items, t => t.Name == "shared-pool");
    }

    [Fact]
    public async Task A_shared_agents_completion_claims_the_next_job_across_tenants()
    {
        using var a = await TenantWithPackageAsync(Server);
        using var b = await TenantWithPackageAsync(Server);
        var jobA = (await SubmitAsync(a, 1))[0];
        using var shared = await RegisterSharedAgentAsync(Server);
        var running = Assert.Single((await shared.PollAsync(1)).Jobs);
        await shared.StartAsync(running.JobId, running.Attempt).ShouldBeAsync(HttpStatusCode.NoContent);
        var jobB = (await SubmitAsync(b, 1))[0];

        var response = await shared.CompleteAsync(jobA, new CompleteJobRequest(running.Attempt, "succeeded", 0, null, null,
            Logs: [new AgentLogLine(1, DateTimeOffset.UnixEpoch, "stdout", "folded")], Claim: new CompletionClaim(1))).ReadAsync<CompleteJobResponse>();

        Assert.Equal(jobB, Assert.Single(response.Jobs!).JobId);
        var assigned = await b.Client.GetAsync($"/api/v1/jobs/{jobB}").ReadAsync<JobDto>();
        Assert.Equal(("assigned", shared.Id), (assigned.State, assigned.AgentId));
        Assert.Contains("folded", await a.Client.GetStringAsync($"/api/v1/jobs/{jobA}/logs"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_shared_agent_cannot_touch_jobs_or_packages_it_does_not_hold()
    {
        using var a = await TenantWithPackageAsync(Server);
        using var b = await TenantWithPackageAsync(Server, package: "other");
        using var ownA = await SimulatedAgent.RegisterAsync(Server, a, "own-a");
        using var shared = await RegisterSharedAgentAsync(Server);
        await SubmitAsync(a, 1);
        var held = (await ownA.PollAsync(1)).Jobs.Single();

        // A job of another agent: not found, whatever the call.
        await shared.StartAsync(held.JobId, held.Attempt).ShouldBeAsync(HttpStatusCode.NotFound);
        await shared.LogAsync(held.JobId, held.Attempt, "intruder").ShouldBeAsync(HttpStatusCode.NotFound);
        await shared.CompleteAsync(held.JobId, held.Attempt, "failed").ShouldBeAsync(HttpStatusCode.NotFound);
        await shared.DownloadAsync(held.Package.Sha256).ShouldBeAsync(HttpStatusCode.NotFound);

        // Holding one of B's jobs gives B's package, not A's.
        await SubmitAsync(b, 1, "other");
        var mine = (await shared.PollAsync(1)).Jobs.Single();
        await shared.DownloadAsync(mine.Package.Sha256).ShouldBeAsync(HttpStatusCode.OK);
        await shared.DownloadAsync(held.Package.Sha256).ShouldBeAsync(HttpStatusCode.NotFound);
        // A stale attempt of its own job is fenced as usual.
        await shared.StartAsync(mine.JobId, mine.Attempt + 1).ShouldBeAsync(HttpStatusCode.Conflict);

        var jobA = await a.Client.GetAsync($"/api/v1/jobs/{held.JobId}").ReadAsync<JobDto>();
        Assert.Equal(("assigned", ownA.Id), (jobA.State, jobA.AgentId));
        Assert.DoesNotContain("intruder", await a.Client.GetStringAsync($"/api/v1/jobs/{held.JobId}/logs"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tenant_with_weight_zero_is_never_served_by_shared_agents()
    {
        using var optedOut = await TenantWithPackageAsync(Server, weight: 0);
        using var shared = await RegisterSharedAgentAsync(Server);
        var waiting = await SubmitAsync(optedOut, 3);

        Assert.Empty((await shared.PollAsync(4, waitSeconds: 1)).Jobs);
        Assert.Equal(0, (await UsageAsync(optedOut)).SharedPoolWeight);

        using var participant = await TenantWithPackageAsync(Server, weight: 1);
        var served = await SubmitAsync(participant, 1);
        Assert.Equal(served, (await shared.PollAsync(4)).Jobs.Select(j => j.JobId));
        var pending = await optedOut.Client.GetAsync("/api/v1/jobs?state=pending").ReadAsync<ListResponse<JobDto>>();
        Assert.Equal(waiting.Order(), pending.Items.Select(j => j.Id).Order());
    }

    [Fact]
    public async Task A_shared_agents_claims_join_each_tenants_batched_claim_line()
    {
        using var a = await TenantWithPackageAsync(Server);
        using var b = await TenantWithPackageAsync(Server);
        await SubmitAsync(a, 2);
        await SubmitAsync(b, 2);
        using var shared = await RegisterSharedAgentAsync(Server);
        var batcher = Server.Server.Services.GetRequiredService<ClaimBatcher>();
        var served = batcher.TicketsServed;

        var poll = await shared.PollAsync(4);

        Assert.Equal(4, poll.Jobs.Count);
        // Each tenant's picks were claimed in that tenant's line (with its own agents' polls, one claim lock per batch).
        Assert.True(batcher.TicketsServed - served >= 2, $"{batcher.TicketsServed - served} ticket(s) served for a poll that took jobs of two tenants");
    }

    [Fact]
    public async Task New_work_ends_a_lines_nothing_ready_answer_for_claims_that_do_not_wait()
    {
        using var tenant = await TenantWithPackageAsync(Server);
        using var agent = await SimulatedAgent.RegisterAsync(Server, tenant, "own", slots: 1);
        var batcher = Server.Server.Services.GetRequiredService<ClaimBatcher>();
        JobClaimRequest Request() => new(tenant.Tenant.Id, agent.Id, 1, 10, TimeSpan.FromMinutes(1), _ => true);

        // Nothing ready: the line remembers that for a poll interval and answers the next such claim at once…
        Assert.Empty(await batcher.Enqueue(Request(), waits: false).Jobs);
        var job = (await SubmitAsync(tenant, 1))[0];

        // …unless work arrived meanwhile (a shared agent's claim is one that does not wait).
        Assert.Equal(job, Assert.Single(await batcher.Enqueue(Request(), waits: false).Jobs).Id);
    }

    [Fact]
    public async Task A_tenant_arriving_after_a_flood_starts_ahead_of_the_floods_backlog()
    {
        using var flood = await TenantWithPackageAsync(Server);
        using var late = await TenantWithPackageAsync(Server);
        using var shared = await RegisterSharedAgentAsync(Server, slots: 2);
        await SubmitAsync(flood, 40);
        // The flood runs a while first and builds up agent-seconds: 6 runs of 0.5 s, more than the provisional
        // charge (FairShareChargePerJob, 1 s) of the newcomer's three picks, so the ranking does not hinge on timing.
        await RunAsync(shared, 2, TimeSpan.FromMilliseconds(500), assigned => assigned.Count >= 6, TimeSpan.FromSeconds(30));

        var lateIds = await SubmitAsync(late, 3);
        var next = await RunAsync(shared, 2, TimeSpan.FromMilliseconds(50), assigned => assigned.Count >= 4, TimeSpan.FromSeconds(30));

        // The newcomer has used next to nothing, so its jobs go ahead of the 34 older jobs of the flood: all
        // three within the next two polls (a poll's slots are spread by a provisional charge per job).
        Assert.Subset(next.Take(4).Select(j => j.JobId).ToHashSet(), lateIds.ToHashSet());
    }

    [Fact]
    public async Task Weights_two_to_one_share_agent_seconds_two_to_one()
    {
        using var heavy = await TenantWithPackageAsync(Server, weight: 2);
        using var light = await TenantWithPackageAsync(Server, weight: 1);
        var heavyIds = (await SubmitAsync(heavy, 50)).ToHashSet();
        await SubmitAsync(light, 50);
        using var shared = await RegisterSharedAgentAsync(Server, slots: 3);

        var assigned = await RunAsync(shared, 3, TimeSpan.FromMilliseconds(150), done => done.Count >= 45, TimeSpan.FromSeconds(60));

        var heavyJobs = assigned.Count(j => heavyIds.Contains(j.JobId));
        var lightJobs = assigned.Count - heavyJobs;
        var heavySeconds = (await UsageAsync(heavy)).SharedAgentSecondsInWindow;
        var lightSeconds = (await UsageAsync(light)).SharedAgentSecondsInWindow;
        Assert.True(lightSeconds > 0, "the light tenant was starved");
        var ratio = heavySeconds / lightSeconds;
        Assert.True(ratio is > 1.5 and < 2.7, $"agent-seconds {heavySeconds:F2} vs {lightSeconds:F2} (ratio {ratio:F2}; jobs {heavyJobs} vs {lightJobs})");
    }

    [Fact]
    public async Task Tenant_concurrency_caps_hold_with_shared_and_own_agents_together()
    {
        using var tenant = await TenantWithPackageAsync(Server, concurrentJobs: 3);
        using var own = await SimulatedAgent.RegisterAsync(Server, tenant, "own", slots: 2);
        using var shared = await RegisterSharedAgentAsync(Server);
        await SubmitAsync(tenant, 10);

        var ownJobs = (await own.PollAsync(2)).Jobs;
        Assert.Equal(2, ownJobs.Count);
        var sharedJobs = (await shared.PollAsync(4)).Jobs;
        Assert.Single(sharedJobs);
        var sharedReports = sharedJobs.Select(j => new RunningJobReport(j.JobId, j.Attempt)).ToList();
        Assert.Empty((await shared.PollAsync(3, sharedReports)).Jobs);
        var active = await tenant.Client.GetAsync("/api/v1/jobs?state=assigned").ReadAsync<ListResponse<JobDto>>();
        Assert.Equal(3, active.Items.Count);

        // A finished job on the tenant's own agent frees a slot, which the shared agent may take.
        await own.CompleteAsync(ownJobs[0].JobId, ownJobs[0].Attempt, "succeeded", new { }).ShouldBeAsync(HttpStatusCode.OK);
        Assert.Single((await shared.PollAsync(3, sharedReports)).Jobs);
    }

    [Fact]
    public async Task Shared_agents_count_against_no_tenant_quota_and_need_a_system_admin_token()
    {
        using var free = await Server.CreateTenantAsync("free");
        var agents = new List<SimulatedAgent>();
        for (var i = 0; i < 3; i++) agents.Add(await RegisterSharedAgentAsync(Server, name: $"pool-{i}"));
        using var admin = Server.Client();
        Assert.Equal(3, (await admin.GetAsync("/api/v1/shared-pool/agents").ReadAsync<ListResponse<AgentDto>>()).Items.Count);
        Assert.Equal(0, (await free.Client.GetAsync("/api/v1/tenant").ReadAsync<TenantDto>()).Usage!.Agents);
        agents.ForEach(a => a.Dispose());
    }
}
