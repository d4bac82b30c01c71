using Baton.Core.Jobs;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>Submitting many jobs in one transaction (group commit, batch submission).</summary>
public abstract class JobSubmitManyContractTests : StoreContractTests
{
    [Fact]
    public async Task A_batch_of_several_tenants_is_stored_whole_with_events_and_answers_in_order()
    {
        var acme = await CreateTenantAsync("acme");
        var globex = await CreateTenantAsync("globex");
        var jobs = new[] { NewJob(acme, "a1"), NewJob(globex, "g1", priority: 3), NewJob(acme, "a2") };

        var answers = await Store.Jobs.SubmitManyAsync(jobs, Ct);

        Assert.Equal(["a1", "g1", "a2"], answers.Select(a => a.Job.Id));
        Assert.All(answers, a => Assert.True(a.Created));
        Assert.Equal((globex, 3, JobState.Pending), (answers[1].Job.TenantId, answers[1].Job.Priority, answers[1].Job.State));
        Assert.Equal(Time.GetUtcNow(), answers[0].Job.SubmittedAt);
        Assert.Equal([JobEventTypes.Submitted], await EventTypesAsync(answers[2].Job));
        Assert.Equal(2, await Store.Jobs.CountPendingAsync(acme, Ct));
        Assert.Null(await Store.Jobs.GetAsync(acme, "g1", Ct));
        Assert.Equal("Ada", (await Store.Jobs.GetAsync(globex, "g1", Ct))!.Inputs.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Idempotency_keys_hold_within_a_batch_across_batches_and_per_tenant()
    {
        var acme = await CreateTenantAsync("acme");
        var globex = await CreateTenantAsync("globex");
        var (before, _) = await Store.Jobs.SubmitAsync(NewJob(acme, "before", idempotencyKey: "k-old"), Ct);

        var answers = await Store.Jobs.SubmitManyAsync(
        [
            NewJob(acme, "x1", idempotencyKey: "k-new"),
            NewJob(acme, "x2", idempotencyKey: "k-old"),
            NewJob(acme, "x3", idempotencyKey: "k-new"),
            NewJob(globex, "y1", idempotencyKey: "k-new"),
            NewJob(acme, "x4"),
        ], Ct);

        Assert.Equal(("x1", true), (answers[0].Job.Id, answers[0].Created));
        Assert.Equal((before.Id, false), (answers[1].Job.Id, answers[1].Created));
        Assert.Equal(("x1", false), (answers[2].Job.Id, answers[2].Created));
        Assert.Equal(("y1", true), (answers[3].Job.Id, answers[3].Created));
        Assert.Equal(("x4", true), (answers[4].Job.Id, answers[4].Created));
        Assert.Equal(3, await Store.Jobs.CountPendingAsync(acme, Ct));

        // The same batch again creates nothing.
        var again = await Store.Jobs.SubmitManyAsync([NewJob(acme, "x9", idempotencyKey: "k-new"), NewJob(globex, "y9", idempotencyKey: "k-new")], Ct);
        Assert.Equal([("x1", false), ("y1", false)], again.Select(a => (a.Job.Id, a.Created)));
    }

    [Fact]
    public async Task A_batch_that_cannot_be_stored_stores_nothing()
    {
        var acme = await CreateTenantAsync("acme");
        await Assert.ThrowsAnyAsync<Exception>(() => Store.Jobs.SubmitManyAsync(
            [NewJob(acme, "ok-1"), NewJob("no-such-tenant", "orphan"), NewJob(acme, "ok-2")], Ct));
        Assert.Equal(0, await Store.Jobs.CountPendingAsync(acme, Ct));
        Assert.Null(await Store.Jobs.GetAsync(acme, "ok-1", Ct));
    }

    [Fact]
    public async Task Concurrent_batches_with_the_same_keys_make_each_job_once()
    {
        var acme = await CreateTenantAsync("acme");
        var batches = Enumerable.Range(0, 6).Select(b =>
            Enumerable.Range(0, 20).Select(k => NewJob(acme, $"b{b}-k{k}", idempotencyKey: $"key-{k}")).ToList()).ToList();

        var answers = await Task.WhenAll(batches.Select(batch => Task.Run(() => Store.Jobs.SubmitManyAsync(batch, Ct))));

        Assert.Equal(20, await Store.Jobs.CountPendingAsync(acme, Ct));
        Assert.Equal(20, answers.SelectMany(a => a).Count(a => a.Created));
        for (var k = 0; k < 20; k++)
        {
            Assert.Single(answers.Select(a => a[k].Job.Id).Distinct());
        }
    }
}
