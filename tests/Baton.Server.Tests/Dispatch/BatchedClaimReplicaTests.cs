using System.Collections.Concurrent;
using System.Net.Http.Json;
using Baton.Core.AgentProtocol;
using Baton.Core.Api;
using Baton.Server.Dispatch;
using Baton.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Baton.Server.Tests.Dispatch;

/// <summary>
/// Batched claims across replicas: two servers on one PostgreSQL, eight agents polling each, every replica serving
/// its waiting polls with one claim transaction per batch — and the tenant's and a queue's caps never passed.
/// </summary>
public sealed class BatchedClaimReplicaTests : TwoPostgresReplicas
{
    private const int Jobs = 80;
    private const int TenantCap = 6;
    private const int QueueCap = 3;

    [Fact]
    public async Task Eight_polls_on_each_of_two_replicas_never_take_the_tenant_or_a_queue_past_its_cap()
    {
        using var tenant = await A.CreateTenantAsync(quotas: new QuotaOverridesInput(ConcurrentJobs: TenantCap));
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(System.Net.HttpStatusCode.Created);
        await tenant.Client.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("narrow", MaxConcurrency: QueueCap))
            .ShouldBeAsync(System.Net.HttpStatusCode.Created);
        var submitted = await tenant.Client.PostAsJsonAsync("/api/v1/jobs/batch", new SubmitJobBatchRequest(
            [.. Enumerable.Range(0, Jobs).Select(i => new SubmitJobRequest("hello", Queue: i % 2 == 0 ? "narrow" : null))]))
            .ReadAsync<SubmitJobBatchResponse>();
        Assert.Equal(Jobs, submitted.Created);

        var agents = new List<SimulatedAgent>();
        for (var i = 0; i < 16; i++) agents.Add(await SimulatedAgent.RegisterAsync(i % 2 == 0 ? A : B, tenant, $"agent-{i:D2}", slots: 2));
        var completed = new ConcurrentDictionary<string, int>();
        var overCap = new ConcurrentBag<string>();
        using var done = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        var monitor = Task.Run(async () =>
        {
            await using var db = new NpgsqlConnection(Postgres.OwnerConnectionString);
            await db.OpenAsync();
            await using (var system = new NpgsqlCommand("SELECT set_config('baton.system', 'on', false);", db)) await system.ExecuteNonQueryAsync();
            while (!done.IsCancellationRequested && completed.Count < Jobs)
            {
                await using var count = new NpgsqlCommand(
                    "SELECT COUNT(*), COUNT(*) FILTER (WHERE queue = 'narrow') FROM jobs WHERE state IN ('assigned', 'running');", db);
                await using var reader = await count.ExecuteReaderAsync();
                await reader.ReadAsync();
                var (active, narrow) = (reader.GetInt64(0), reader.GetInt64(1));
                if (active > TenantCap) overCap.Add($"tenant at {active}");
                if (narrow > QueueCap) overCap.Add($"queue at {narrow}");
                await Task.Delay(5);
            }
        });

        await Task.WhenAll(agents.Select(agent => Task.Run(async () =>
        {
            var held = new List<RunningJobReport>();
            while (completed.Count < Jobs && !done.IsCancellationRequested)
            {
                var poll = await agent.PollAsync(new PollRequest(2 - held.Count, [.. held], WaitSeconds: 2));
                foreach (var job in poll.Jobs)
                {
                    Assert.True((await agent.StartAsync(job.JobId, job.Attempt)).IsSuccessStatusCode);
                    held.Add(new RunningJobReport(job.JobId, job.Attempt));
                }
                await Task.Delay(Random.Shared.Next(10, 60));
                foreach (var job in held)
                {
                    Assert.True((await agent.CompleteAsync(job.JobId, job.Attempt, "succeeded", new { ok = true })).IsSuccessStatusCode);
                    Assert.True(completed.TryAdd(job.JobId, job.Attempt), $"{job.JobId} completed twice");
                }
                held.Clear();
            }
        })));
        await monitor;
        foreach (var agent in agents) agent.Dispose();

        Assert.Empty(overCap);
        Assert.Equal(Jobs, completed.Count);
        Assert.All(completed.Values, attempt => Assert.Equal(1, attempt));
        // Both replicas dispatched, and their claims served several polls per transaction.
        var batchers = new[] { A, B }.Select(s => s.Server.Services.GetRequiredService<ClaimBatcher>()).ToList();
        Assert.All(batchers, b => Assert.True(b.Batches > 0, "each replica should have claimed"));
        Assert.True(batchers.Sum(b => b.TicketsServed) > batchers.Sum(b => b.Batches),
            $"claims should serve several polls at once ({batchers.Sum(b => b.TicketsServed)} polls in {batchers.Sum(b => b.Batches)} claims)");
    }
    [Fact]
    public async Task An_assignment_lost_on_one_replica_is_given_back_by_the_agents_next_poll_on_the_other()
    {
        using var tenant = await A.CreateTenantAsync();
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(System.Net.HttpStatusCode.Created);
        var token = await SimulatedAgent.CreateEnrollmentTokenAsync(tenant);
        using var viaA = await SimulatedAgent.RegisterWithTokenAsync(A, token, "roamer", slots: 1);
        // The same agent, talking to the other replica (an agent fails over between replicas with one credential).
        using var viaB = SimulatedAgent.ForCredential(B, viaA.Registration);
        await viaB.PollAsync(1); // replica B has seen the agent before, so it only reads what it holds when told to
        var job = await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ReadAsync<JobDto>(System.Net.HttpStatusCode.Created);

        var lost = await viaA.ClaimOneAsync();
        Assert.Equal(job.Id, lost.JobId);
        // The answer never reached the agent; its next poll goes to B, lists nothing and has its slot free
        // (only a poll that may claim gives back what its agent does not list): the job is released and handed out again.
        JobAssignment? again = null;
        for (var i = 0; i < 50 && again is null; i++)
        {
            again = (await viaB.PollAsync(1)).Jobs.SingleOrDefault();
            if (again is null) await Task.Delay(100);
        }
        Assert.True(again is not null, "replica B should have given the lost assignment back on the agent's next poll");
        var events = await tenant.Client.GetAsync($"/api/v1/jobs/{job.Id}/events").ReadAsync<ListResponse<JobEventDto>>();
        Assert.Contains(events.Items, e => e.Type == "released");
        Assert.Equal((job.Id, 1), (again.JobId, again.Attempt));
    }
}
