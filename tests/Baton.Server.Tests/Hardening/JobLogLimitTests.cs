using System.Net;
using System.Net.Http.Json;
using Baton.Core.AgentProtocol;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.Hardening;

/// <summary>A job's log stops at its tier's per-job limit with a line that says so, and logs count toward the tenant's storage quota.</summary>
public sealed class JobLogLimitTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static readonly string Kilobyte = new('x', 1024);

    private async Task<(SimulatedAgent Agent, JobAssignment Job)> RunningJobAsync(TestTenant tenant)
    {
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ShouldBeAsync(HttpStatusCode.Created);
        var agent = await SimulatedAgent.RegisterAsync(_server, tenant, "agent-" + Guid.NewGuid().ToString("N")[..6]);
        var job = await agent.ClaimOneAsync();
        await agent.StartAsync(job.JobId, job.Attempt).ShouldBeAsync(HttpStatusCode.NoContent);
        return (agent, job);
    }

    [Fact]
    public async Task Output_past_the_per_job_limit_is_dropped_and_the_log_says_where()
    {
        using var tenant = await _server.CreateTenantAsync("free", new QuotaOverridesInput(LogMbPerJob: 1));
        var (agent, job) = await RunningJobAsync(tenant);
        using (agent)
        {
            AppendLogsResponse? last = null;
            for (var batch = 0; batch < 4; batch++)
            {
                // 4 batches of 512 KiB: twice the 1 MB limit.
                last = await agent.LogFromAsync(job.JobId, job.Attempt, 1 + (batch * 512), [.. Enumerable.Repeat(Kilobyte, 512)])
                    .ReadAsync<AppendLogsResponse>();
            }
            Assert.True(last!.LogLimitReached);

            var page = await tenant.Client.GetAsync($"/api/v1/jobs/{job.JobId}/logs?limit=1000").ReadAsync<LogPageDto>();
            var all = new List<LogLineDto>(page.Items);
            while (page.Items.Count == 1000)
            {
                page = await tenant.Client.GetAsync($"/api/v1/jobs/{job.JobId}/logs?limit=1000&after={page.NextSeq}").ReadAsync<LogPageDto>();
                all.AddRange(page.Items);
            }
            Assert.Equal(1024, all.Count(l => l.Stream == "stdout"));
            var cut = Assert.Single(all, l => l.Stream == "system");
            Assert.Contains("reached the limit of 1 MB per job", cut.Text, StringComparison.Ordinal);
            Assert.Equal(cut, all[^1]);

            var me = await tenant.Client.GetAsync("/api/v1/tenant").ReadAsync<TenantDto>();
            Assert.True(me.Usage!.StorageBytes >= 1024 * 1024, $"storage use {me.Usage.StorageBytes} does not count the log");
        }
    }

    [Fact]
    public async Task Logs_fill_the_storage_quota_and_then_neither_logs_nor_packages_fit()
    {
        // A storage quota of about 1 MiB, a per-job limit far above it.
        using var tenant = await _server.CreateTenantAsync("free", new QuotaOverridesInput(StorageGb: 0.001, LogMbPerJob: 100));
        var (agent, job) = await RunningJobAsync(tenant);
        using (agent)
        {
            await agent.LogFromAsync(job.JobId, job.Attempt, 1, [.. Enumerable.Repeat(Kilobyte, 1100)]).ShouldBeAsync(HttpStatusCode.OK);
            // Storage use is re-read within seconds.
            await Task.Delay(TimeSpan.FromSeconds(11));
            var refused = await agent.LogFromAsync(job.JobId, job.Attempt, 1101, [Kilobyte]).ReadAsync<AppendLogsResponse>();
            Assert.True(refused.LogLimitReached);
            var page = await tenant.Client.GetAsync($"/api/v1/jobs/{job.JobId}/logs?after=1000").ReadAsync<LogPageDto>();
            Assert.Contains(page.Items, l => l.Stream == "system" && l.Text.Contains("storage quota", StringComparison.Ordinal));

            var other = TestPackages.Hello(name: "second");
            await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(other)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.QuotaExceeded);
        }
    }
}
