using System.Net;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.Server.Dispatch;
using Baton.Server.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Baton.Server.Tests.Dispatch;

/// <summary>
/// A tenant's claim line rests after a claim that took every ready job, though polls still wait in line: looking again at
/// once would find nothing (a transaction per batch on PostgreSQL). Work submitted afterwards still wakes it at once —
/// the rest never keeps a job from a waiting agent.
/// </summary>
public abstract class ClaimLineRestTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    protected virtual Task<Action<Hosting.ServerOptions>> BackendAsync() => Task.FromResult<Action<Hosting.ServerOptions>>(_ => { });

    public async Task InitializeAsync()
    {
        var backend = await BackendAsync();
        // No look on a timer during the test: every claim below is one a signal or a poll asked for.
        await _server.StartAsync(o =>
        {
            backend(o);
            o.DispatchPollInterval = TimeSpan.FromSeconds(60);
        });
    }

    public virtual async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_claim_that_took_every_ready_job_is_not_followed_by_an_empty_one_and_new_work_still_arrives_at_once()
    {
        using var tenant = await _server.CreateTenantAsync();
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        using var first = await SimulatedAgent.RegisterAsync(_server, tenant, "first", slots: 1);
        using var second = await SimulatedAgent.RegisterAsync(_server, tenant, "second", slots: 1);
        var batcher = _server.Server.Services.GetRequiredService<ClaimBatcher>();

        // The first poll is first in line and its claim (nothing ready) has ended before the second poll joins; on a loaded
        // machine a fixed pause does not order two requests.
        var tenantId = tenant.Tenant.Id;
        var firstPoll = first.PollAsync(1, waitSeconds: 20);
        await WebhookReceiver.WaitUntilAsync(() => Task.FromResult(batcher.Batches >= 1 && batcher.WaitingTickets(tenantId) == 1),
            TimeSpan.FromSeconds(10), "the first poll back in line after its claim");
        var before = batcher.Batches;
        var secondPoll = second.PollAsync(1, waitSeconds: 20);
        await WebhookReceiver.WaitUntilAsync(() => Task.FromResult(batcher.WaitingTickets(tenantId) == 2),
            TimeSpan.FromSeconds(10), "the second poll in line");
        await Task.Delay(300);
        // The second poll joined a line whose last look found nothing ready: it did not make the line look again.
        Assert.Equal(before, batcher.Batches);

        var job = await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ReadAsync<JobDto>(HttpStatusCode.Created);
        var got = await firstPoll.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(job.Id, Assert.Single(got.Jobs).JobId);
        await Task.Delay(500);
        // One claim for the submission; the second agent's poll still waits, and nobody looked again for nothing.
        Assert.Equal(before + 1, batcher.Batches);
        Assert.False(secondPoll.IsCompleted);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var next = await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ReadAsync<JobDto>(HttpStatusCode.Created);
        var gotNext = await secondPoll.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(next.Id, Assert.Single(gotNext.Jobs).JobId);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the waiting poll got new work after {clock.Elapsed}, not at once");
    }
}

public sealed class SqliteClaimLineRestTests : ClaimLineRestTests;

public sealed class PostgresClaimLineRestTests : ClaimLineRestTests
{
    private TestPostgres? _postgres;

    protected override async Task<Action<Hosting.ServerOptions>> BackendAsync()
    {
        _postgres = await TestPostgres.CreateAsync();
        return o =>
        {
            o.Storage = "postgres";
            o.Postgres = _postgres.AppConnectionString;
            o.PostgresMigration = _postgres.OwnerConnectionString;
        };
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
    }
}
