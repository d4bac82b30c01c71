using System.Text.Json;
using Baton.Core.Jobs;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>Starts and completions of several agents (and tenants) in one transaction, also with submissions (group commit).</summary>
public abstract class JobAttemptBatchContractTests : StoreContractTests
{
    [Fact]
    public async Task A_batch_of_starts_answers_each_like_a_start_of_its_own()
    {
        var acme = await CreateTenantAsync("acme");
        var globex = await CreateTenantAsync("globex");
        var a = await SubmitAndClaimAsync(acme, "agent-a");
        var g = await SubmitAndClaimAsync(globex, "agent-g");
        var other = await SubmitAndClaimAsync(acme, "agent-b");
        var done = await SubmitAndClaimAsync(acme, "agent-a");
        await CompleteAsync(done, JobOutcome.Succeeded, exitCode: 0);

        var results = await Store.Jobs.MarkStartedManyAsync(
        [
            new AttemptStart(acme, a.Id, "agent-a", 1),
            new AttemptStart(globex, g.Id, "agent-g", 1),
            new AttemptStart(acme, other.Id, "agent-a", 1),
            new AttemptStart(acme, "no-such-job", "agent-a", 1),
            new AttemptStart(acme, a.Id, "agent-a", 1),
            new AttemptStart(acme, done.Id, "agent-a", 1),
            new AttemptStart(acme, g.Id, "agent-g", 1),
        ], Ct);

        Assert.Equal(
            [AttemptWriteResult.Ok, AttemptWriteResult.Ok, AttemptWriteResult.Stale, AttemptWriteResult.NotFound,
             AttemptWriteResult.Ok, AttemptWriteResult.InvalidState, AttemptWriteResult.NotFound],
            results);
        Assert.Equal(JobState.Running, (await Store.Jobs.GetAsync(acme, a.Id, Ct))!.State);
        Assert.Equal(JobState.Running, (await Store.Jobs.GetAsync(globex, g.Id, Ct))!.State);
        Assert.Equal(JobState.Assigned, (await Store.Jobs.GetAsync(acme, other.Id, Ct))!.State);
        Assert.Single(await EventTypesAsync(a), t => t == JobEventTypes.Started);
    }

    [Fact]
    public async Task A_batch_of_completions_ends_each_attempt_by_its_own_rule()
    {
        var acme = await CreateTenantAsync("acme");
        var globex = await CreateTenantAsync("globex");
        var ok = await StartedAsync(acme, "agent-a");
        var retried = await StartedAsync(acme, "agent-a", maxAttempts: 3);
        var failed = await StartedAsync(globex, "agent-g");
        var cancelling = await StartedAsync(globex, "agent-g");
        await Store.Jobs.RequestCancelAsync(globex, cancelling.Id, Ct);
        var stolen = await StartedAsync(acme, "agent-b");

        var results = await Store.Jobs.CompleteAttemptsAsync(
        [
            Completion(ok, JobOutcome.Succeeded),
            Completion(retried, JobOutcome.Failed),
            Completion(failed, JobOutcome.Failed),
            Completion(cancelling, JobOutcome.Failed),
            Completion(stolen, JobOutcome.Succeeded) with { AgentId = "agent-a" },
            Completion(ok, JobOutcome.Succeeded),
            Completion(ok, JobOutcome.Succeeded) with { JobId = "no-such-job" },
        ], Ct);

        Assert.Equal(
            [AttemptWriteResult.Ok, AttemptWriteResult.Ok, AttemptWriteResult.Ok, AttemptWriteResult.Ok,
             AttemptWriteResult.Stale, AttemptWriteResult.Ok, AttemptWriteResult.NotFound],
            results.Select(r => r.Result));
        Assert.Equal(JobState.Succeeded, results[0].Job!.State);
        Assert.True(results[0].Job!.Result!.Value.GetProperty("ok").GetBoolean());
        Assert.Equal((JobState.Pending, null, Time.GetUtcNow() + Retry.DelayAfter(1)), (results[1].Job!.State, results[1].Job!.AgentId, results[1].Job!.NotBefore));
        Assert.Equal(JobState.Failed, results[2].Job!.State);
        Assert.Equal(JobState.Cancelled, results[3].Job!.State);
        Assert.Equal(results[0].Job!.Id, results[5].Job!.Id);
        Assert.Equal(JobState.Running, (await Store.Jobs.GetAsync(acme, stolen.Id, Ct))!.State);

        Assert.Equal([JobEventTypes.Submitted, JobEventTypes.Assigned, JobEventTypes.Started, JobEventTypes.Succeeded], await EventTypesAsync(ok));
        Assert.Equal(JobEventTypes.RetryScheduled, (await EventTypesAsync(retried))[^1]);
        // Every ending is in its tenant's event log.
        var acmeEvents = await Store.Events.ListAsync(acme, 0, null, 100, Ct);
        var globexEvents = await Store.Events.ListAsync(globex, 0, null, 100, Ct);
        Assert.Equal(["job.succeeded"], acmeEvents.Select(e => e.Type));
        Assert.Equal(["job.failed", "job.cancelled"], globexEvents.Select(e => e.Type));
    }

    [Fact]
    public async Task A_mixed_batch_of_submissions_starts_and_completions_is_one_write_answered_per_kind()
    {
        var acme = await CreateTenantAsync("acme");
        var globex = await CreateTenantAsync("globex");
        var toStart = await SubmitAndClaimAsync(globex, "agent-g");
        var toComplete = await StartedAsync(acme, "agent-a");
        var (earlier, _) = await Store.Jobs.SubmitAsync(NewJob(acme, "earlier", idempotencyKey: "k"), Ct);
        Assert.NotNull(earlier);

        var results = await Store.Jobs.WriteManyAsync(new JobWrites(
            [NewJob(acme, "new-1"), NewJob(globex, "new-2"), NewJob(acme, "again", idempotencyKey: "k")],
            [new AttemptStart(globex, toStart.Id, "agent-g", 1), new AttemptStart(acme, "no-such-job", "agent-a", 1)],
            [Completion(toComplete, JobOutcome.Succeeded)]), Ct);

        Assert.Equal([("new-1", true), ("new-2", true), ("earlier", false)], results.Submitted.Select(r => (r.Job.Id, r.Created)));
        Assert.Equal([AttemptWriteResult.Ok, AttemptWriteResult.NotFound], results.Started);
        Assert.Equal(AttemptWriteResult.Ok, Assert.Single(results.Completed).Result);
        Assert.Equal(JobState.Pending, (await Store.Jobs.GetAsync(globex, "new-2", Ct))!.State);
        Assert.Equal(JobState.Running, (await Store.Jobs.GetAsync(globex, toStart.Id, Ct))!.State);
        Assert.Equal(JobState.Succeeded, (await Store.Jobs.GetAsync(acme, toComplete.Id, Ct))!.State);
        Assert.Equal([JobEventTypes.Submitted, JobEventTypes.Assigned, JobEventTypes.Started], await EventTypesAsync(toStart));
        Assert.Equal(["job.succeeded"], (await Store.Events.ListAsync(acme, 0, null, 100, Ct)).Select(e => e.Type));
    }

    [Fact]
    public async Task A_mixed_batch_that_cannot_be_stored_stores_none_of_its_kinds()
    {
        var acme = await CreateTenantAsync("acme");
        var toStart = await SubmitAndClaimAsync(acme, "agent-a");
        var toComplete = await StartedAsync(acme, "agent-b");

        await Assert.ThrowsAnyAsync<Exception>(() => Store.Jobs.WriteManyAsync(new JobWrites(
            [NewJob(acme, "ok-1"), NewJob("no-such-tenant", "orphan")],
            [new AttemptStart(acme, toStart.Id, "agent-a", 1)],
            [Completion(toComplete, JobOutcome.Succeeded)]), Ct));

        Assert.Null(await Store.Jobs.GetAsync(acme, "ok-1", Ct));
        Assert.Equal(JobState.Assigned, (await Store.Jobs.GetAsync(acme, toStart.Id, Ct))!.State);
        Assert.Equal(JobState.Running, (await Store.Jobs.GetAsync(acme, toComplete.Id, Ct))!.State);
    }

    private async Task<JobRecord> StartedAsync(string tenant, string agent, int maxAttempts = 1)
    {
        var job = await SubmitAndClaimAsync(tenant, agent, maxAttempts);
        Assert.Equal(AttemptWriteResult.Ok, await Store.Jobs.MarkStartedAsync(tenant, job.Id, agent, job.Attempt, Ct));
        return job;
    }

    private static AttemptCompletion Completion(JobRecord job, JobOutcome outcome) => new(
        job.TenantId, job.Id, job.AgentId!, job.Attempt, outcome, outcome == JobOutcome.Succeeded ? 0 : 1,
        outcome == JobOutcome.Succeeded ? JsonDocument.Parse("""{"ok":true}""").RootElement.Clone() : null,
        outcome == JobOutcome.Succeeded ? null : "boom");
}
