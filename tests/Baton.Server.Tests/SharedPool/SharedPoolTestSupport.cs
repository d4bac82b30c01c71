using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Baton.Core.AgentProtocol;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.SharedPool;

/// <summary>Helpers of the shared-pool tests: tokens, tenants with a package, and an agent loop that "runs" jobs for a fixed time.</summary>
internal static class SharedPoolTestSupport
{
    public static async Task<string> CreateSharedTokenAsync(ServerHarness server)
    {
        using var admin = server.Client();
        var response = await admin.PostAsJsonAsync("/api/v1/shared-pool/enrollment-tokens", new CreateEnrollmentTokenRequest("pool"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<CreatedEnrollmentTokenDto>(ServerHarness.Json))!.Secret;
    }

    public static async Task<SimulatedAgent> RegisterSharedAgentAsync(ServerHarness server, int slots = 4, string name = "shared")
        => await SimulatedAgent.RegisterWithTokenAsync(server, await CreateSharedTokenAsync(server), name, slots);

    public static async Task<TestTenant> TenantWithPackageAsync(ServerHarness server, int? weight = null, int? concurrentJobs = null, string package = "hello")
    {
        var tenant = await server.CreateTenantAsync("enterprise", new QuotaOverridesInput(ConcurrentJobs: concurrentJobs));
        if (weight is { } w) await SetWeightAsync(server, tenant, w);
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello(name: package))).ShouldBeAsync(HttpStatusCode.Created);
        return tenant;
    }

    public static async Task SetWeightAsync(ServerHarness server, TestTenant tenant, int weight)
    {
        using var admin = server.Client();
        var response = await admin.PatchAsJsonAsync($"/api/v1/tenants/{tenant.Tenant.Id}", new { quotas = new { sharedPoolWeight = weight } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public static async Task<List<string>> SubmitAsync(TestTenant tenant, int count, string package = "hello")
    {
        var ids = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var job = await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest(package)).ReadAsync<JobDto>(HttpStatusCode.Created);
            ids.Add(job.Id);
        }
        return ids;
    }

    public static Task<TenantUsageReportDto> UsageAsync(TestTenant tenant) => tenant.Client.GetAsync("/api/v1/usage").ReadAsync<TenantUsageReportDto>();

    /// <summary>
    /// Polls for its free slots, starts what it gets, and completes each job <paramref name="runTime"/> after it
    /// started (the simulated job's run time), until <paramref name="stop"/> says so. Returns the jobs in assignment order.
    /// </summary>
    public static async Task<List<JobAssignment>> RunAsync(SimulatedAgent agent, int slots, TimeSpan runTime, Func<List<JobAssignment>, bool> stop, TimeSpan within)
    {
        var assigned = new List<JobAssignment>();
        var clock = Stopwatch.StartNew();
        var running = new List<(JobAssignment Job, TimeSpan Until)>();
        while (!stop(assigned))
        {
            Assert.True(clock.Elapsed < within, $"the agent was not done within {within} ({assigned.Count} job(s) assigned)");
            foreach (var done in running.Where(r => r.Until <= clock.Elapsed).ToList())
            {
                await agent.CompleteAsync(done.Job.JobId, done.Job.Attempt, "succeeded", new { }).ShouldBeAsync(HttpStatusCode.OK);
                running.Remove(done);
            }
            var reports = running.Select(r => new RunningJobReport(r.Job.JobId, r.Job.Attempt)).ToList();
            var poll = await agent.PollAsync(slots - running.Count, reports, waitSeconds: running.Count == 0 ? 1 : 0);
            foreach (var job in poll.Jobs)
            {
                await agent.StartAsync(job.JobId, job.Attempt).ShouldBeAsync(HttpStatusCode.NoContent);
                assigned.Add(job);
                running.Add((job, clock.Elapsed + runTime));
            }
            if (running.Count > 0)
            {
                // The simulated run time of the jobs held: nothing to await but the clock.
                var next = running.Min(r => r.Until) - clock.Elapsed;
                if (next > TimeSpan.Zero) await Task.Delay(next);
            }
        }
        foreach (var (job, _) in running)
        {
            await agent.CompleteAsync(job.JobId, job.Attempt, "succeeded", new { }).ShouldBeAsync(HttpStatusCode.OK);
        }
        return assigned;
    }
}
