using System.Text.Json;
using Baton.Core.Jobs;
using Baton.Core.Scheduling;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>Schedules: the quota, isolation, claims of due schedules, the compare-and-set advance and exactly one job per fire.</summary>
public abstract class ScheduleContractTests : StoreContractTests
{
    private ScheduleRecord NewSchedule(string tenantId, string name, DateTimeOffset? nextFireAt = null, string? id = null) =>
        ScheduleSamples.NewSchedule(tenantId, name, Time.GetUtcNow(), nextFireAt, id);

    [Fact]
    public async Task Create_get_list_and_the_quota()
    {
        var tenant = await CreateTenantAsync("acme");
        var nightly = NewSchedule(tenant, "nightly");
        Assert.Equal(ScheduleWriteResult.Ok, await Store.Schedules.CreateAsync(nightly, 2, Ct));
        Assert.Equal(ScheduleWriteResult.NameTaken, await Store.Schedules.CreateAsync(NewSchedule(tenant, "nightly", id: "sch_other"), 5, Ct));
        Assert.Equal(ScheduleWriteResult.Ok, await Store.Schedules.CreateAsync(NewSchedule(tenant, "hourly"), 2, Ct));
        Assert.Equal(ScheduleWriteResult.QuotaExceeded, await Store.Schedules.CreateAsync(NewSchedule(tenant, "weekly"), 2, Ct));
        Assert.Equal(2, (await Store.Schedules.ListAsync(tenant, Ct)).Count);

        var byId = await Store.Schedules.GetAsync(tenant, nightly.Id, Ct);
        Assert.NotNull(byId);
        Assert.Equal(nightly with { Inputs = byId.Inputs }, byId);
        Assert.Equal("Ada", byId.Inputs.GetProperty("name").GetString());
        Assert.Equal(nightly.Id, (await Store.Schedules.GetAsync(tenant, "nightly", Ct))?.Id);
        Assert.Equal(["hourly", "nightly"], (await Store.Schedules.ListAsync(tenant, Ct)).Select(s => s.Name));
    }

    [Fact]
    public async Task Schedules_belong_to_their_tenant()
    {
        var acme = await CreateTenantAsync("acme");
        var globex = await CreateTenantAsync("globex");
        var nightly = NewSchedule(acme, "nightly");
        await Store.Schedules.CreateAsync(nightly, 10, Ct);

        Assert.Null(await Store.Schedules.GetAsync(globex, nightly.Id, Ct));
        Assert.Null(await Store.Schedules.GetAsync(globex, "nightly", Ct));
        Assert.Empty(await Store.Schedules.ListAsync(globex, Ct));
        Assert.Equal(ScheduleWriteResult.NotFound, await Store.Schedules.UpdateAsync(nightly with { TenantId = globex }, Ct));
        Assert.False(await Store.Schedules.DeleteAsync(globex, nightly.Id, Ct));
        Assert.False(await Store.Schedules.AdvanceAsync(new ScheduleAdvance(globex, nightly.Id, nightly.NextFireAt, null), Ct));
        Assert.Null(await Store.Schedules.RecordRunAsync(globex, nightly.Id, null, failed: true, Ct));
        // The same name in another tenant is fine.
        Assert.Equal(ScheduleWriteResult.Ok, await Store.Schedules.CreateAsync(NewSchedule(globex, "nightly", id: "sch_g"), 10, Ct));
        Assert.Empty(await Store.Schedules.ListDueByAsync(globex, Time.GetUtcNow().AddSeconds(1), Ct));
        Assert.Equal(2, (await Store.Schedules.ListDueByAsync(null, Time.GetUtcNow().AddSeconds(5), Ct)).Count);
        Assert.Equal([nightly.Id], (await Store.Schedules.ListDueByAsync(acme, Time.GetUtcNow().AddSeconds(5), Ct)).Select(s => s.Id));
    }

    [Fact]
    public async Task Update_keeps_the_run_state_and_refuses_a_taken_name_and_delete_removes()
    {
        var tenant = await CreateTenantAsync("acme");
        var nightly = NewSchedule(tenant, "nightly");
        await Store.Schedules.CreateAsync(nightly, 10, Ct);
        await Store.Schedules.CreateAsync(NewSchedule(tenant, "hourly"), 10, Ct);
        Assert.True(await Store.Schedules.AdvanceAsync(new ScheduleAdvance(tenant, nightly.Id, nightly.NextFireAt, nightly.NextFireAt!.Value.AddSeconds(2), nightly.NextFireAt, "j-1"), Ct));

        var changed = (await Store.Schedules.GetAsync(tenant, nightly.Id, Ct))! with
        {
            Cron = "0 9 * * *", Paused = true, PauseReason = "maintenance", PackageVersion = "1.2.0", ConsecutiveFailures = 0,
        };
        Assert.Equal(ScheduleWriteResult.Ok, await Store.Schedules.UpdateAsync(changed, Ct));
        var read = await Store.Schedules.GetAsync(tenant, nightly.Id, Ct);
        Assert.Equal(("0 9 * * *", true, "maintenance", "1.2.0", "j-1", false), (read!.Cron, read.Paused, read.PauseReason, read.PackageVersion, read.LastJobId, read.LastJobCounted));
        Assert.Equal(ScheduleWriteResult.NameTaken, await Store.Schedules.UpdateAsync(changed with { Name = "hourly" }, Ct));

        Assert.True(await Store.Schedules.DeleteAsync(tenant, nightly.Id, Ct));
        Assert.Null(await Store.Schedules.GetAsync(tenant, nightly.Id, Ct));
        Assert.False(await Store.Schedules.DeleteAsync(tenant, nightly.Id, Ct));
    }

    [Fact]
    public async Task Claims_take_due_unpaused_schedules_of_every_tenant_once_until_released_or_expired()
    {
        var acme = await CreateTenantAsync("acme");
        var globex = await CreateTenantAsync("globex");
        var now = Time.GetUtcNow();
        var due = NewSchedule(acme, "due", now.AddSeconds(-1));
        await Store.Schedules.CreateAsync(due, 10, Ct);
        await Store.Schedules.CreateAsync(NewSchedule(globex, "due-too", now, id: "sch_g"), 10, Ct);
        await Store.Schedules.CreateAsync(NewSchedule(acme, "later", now.AddMinutes(1)), 10, Ct);
        await Store.Schedules.CreateAsync(NewSchedule(acme, "paused", now.AddSeconds(-5)) with { Paused = true }, 10, Ct);
        await Store.Schedules.CreateAsync(NewSchedule(acme, "queued", now.AddMinutes(5)) with { QueuedFireAt = now.AddSeconds(-30) }, 10, Ct);

        var claimed = await Store.Schedules.ClaimDueAsync(now, TimeSpan.FromSeconds(30), 10, Ct);
        Assert.Equal(["due", "due-too", "queued"], claimed.Select(s => s.Name).Order());
        Assert.Empty(await Store.Schedules.ClaimDueAsync(now, TimeSpan.FromSeconds(30), 10, Ct));

        // Releasing by advancing (even to the same time) makes it claimable again; an expired claim too.
        Assert.True(await Store.Schedules.AdvanceAsync(new ScheduleAdvance(acme, due.Id, due.NextFireAt, due.NextFireAt), Ct));
        Assert.Equal(["due"], (await Store.Schedules.ClaimDueAsync(now, TimeSpan.FromSeconds(30), 10, Ct)).Select(s => s.Name));
        Time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(3, (await Store.Schedules.ClaimDueAsync(Time.GetUtcNow(), TimeSpan.FromSeconds(30), 10, Ct)).Count);
    }

    [Fact]
    public async Task Advance_is_a_compare_and_set_on_the_expected_fire()
    {
        var tenant = await CreateTenantAsync("acme");
        var fire = Time.GetUtcNow();
        var schedule = NewSchedule(tenant, "nightly", fire);
        await Store.Schedules.CreateAsync(schedule, 10, Ct);

        Assert.True(await Store.Schedules.AdvanceAsync(new ScheduleAdvance(tenant, schedule.Id, fire, fire.AddSeconds(2), fire, "j-1", fire.AddSeconds(1)), Ct));
        Assert.False(await Store.Schedules.AdvanceAsync(new ScheduleAdvance(tenant, schedule.Id, fire, fire.AddSeconds(2), fire, "j-2"), Ct));
        var read = await Store.Schedules.GetAsync(tenant, schedule.Id, Ct);
        Assert.Equal((fire.AddSeconds(2), fire, "j-1", fire.AddSeconds(1)), (read!.NextFireAt, read.LastFireAt, read.LastJobId, read.QueuedFireAt));

        // A schedule with no next fire (its cron ran out) is matched by a null expectation.
        Assert.True(await Store.Schedules.AdvanceAsync(new ScheduleAdvance(tenant, schedule.Id, fire.AddSeconds(2), null), Ct));
        Assert.True(await Store.Schedules.AdvanceAsync(new ScheduleAdvance(tenant, schedule.Id, null, fire.AddSeconds(4)), Ct));
        Assert.Equal(fire.AddSeconds(4), (await Store.Schedules.GetAsync(tenant, schedule.Id, Ct))!.NextFireAt);
    }

    [Fact]
    public async Task Two_schedulers_racing_on_one_due_schedule_make_exactly_one_job_per_fire()
    {
        var tenant = await CreateTenantAsync("acme");
        var first = Time.GetUtcNow();
        var schedule = NewSchedule(tenant, "racy", first);
        await Store.Schedules.CreateAsync(schedule, 10, Ct);
        await using var other = Backend.CreateStore(Time, Retry);
        IBatonStore[] schedulers = [Store, other];

        // Each fire is raced by six workers over two stores, as after a crash or an expired claim:
        // everyone submits the fire's job and tries to advance; the key and the CAS make one of each.
        for (var n = 0; n < 5; n++)
        {
            var fire = first.AddSeconds(2 * n);
            var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(async () =>
            {
                var store = schedulers[i % 2];
                var (job, _) = await store.Jobs.SubmitAsync(NewJob(tenant, idempotencyKey: schedule.IdempotencyKeyFor(fire)), Ct);
                var advanced = await store.Schedules.AdvanceAsync(new ScheduleAdvance(tenant, schedule.Id, fire, fire.AddSeconds(2), fire, job.Id), Ct);
                return (job.Id, advanced);
            })));
            Assert.Single(results.Select(r => r.Id).Distinct());
            Assert.Single(results, r => r.advanced);
        }
        var jobs = (await Store.Jobs.ListAsync(tenant, new JobQuery(Limit: 100), Ct)).Items;
        Assert.Equal(5, jobs.Count);
        Assert.Equal(5, jobs.Select(j => j.IdempotencyKey).Distinct().Count());
        Assert.Equal(first.AddSeconds(10), (await Store.Schedules.GetAsync(tenant, schedule.Id, Ct))!.NextFireAt);

        // Claims split too: of two schedulers claiming at once, one gets the due schedule.
        var claims = await Task.WhenAll(schedulers.Select(s => Task.Run(() => s.Schedules.ClaimDueAsync(first.AddSeconds(10), TimeSpan.FromSeconds(30), 10, Ct))));
        Assert.Equal(1, claims.Sum(c => c.Count));
    }

    [Fact]
    public async Task Settled_runs_are_counted_once_and_a_success_resets_the_failures()
    {
        var tenant = await CreateTenantAsync("acme");
        var schedule = NewSchedule(tenant, "nightly", Time.GetUtcNow());
        await Store.Schedules.CreateAsync(schedule, 10, Ct);

        var job = await SubmitAndClaimAsync(tenant, "agent-1");
        Assert.True(await Store.Schedules.AdvanceAsync(new ScheduleAdvance(tenant, schedule.Id, schedule.NextFireAt, schedule.NextFireAt!.Value.AddSeconds(2), schedule.NextFireAt, job.Id), Ct));
        Assert.Empty(await Store.Schedules.ListSettledRunsAsync(10, Ct));
        await CompleteAsync(job, JobOutcome.Failed, exitCode: 1, error: "boom");

        var settled = Assert.Single(await Store.Schedules.ListSettledRunsAsync(10, Ct));
        Assert.Equal(new SettledScheduleRun(tenant, schedule.Id, job.Id, JobState.Failed), settled);
        Assert.Equal(1, (await Store.Schedules.RecordRunAsync(tenant, schedule.Id, job.Id, failed: true, Ct))?.ConsecutiveFailures);
        Assert.Null(await Store.Schedules.RecordRunAsync(tenant, schedule.Id, job.Id, failed: true, Ct));
        Assert.Empty(await Store.Schedules.ListSettledRunsAsync(10, Ct));

        // A refused submission counts without a job; a success resets.
        Assert.Equal(2, (await Store.Schedules.RecordRunAsync(tenant, schedule.Id, null, failed: true, Ct))?.ConsecutiveFailures);
        var next = await SubmitAndClaimAsync(tenant, "agent-1");
        Assert.True(await Store.Schedules.AdvanceAsync(new ScheduleAdvance(tenant, schedule.Id, schedule.NextFireAt!.Value.AddSeconds(2), schedule.NextFireAt!.Value.AddSeconds(4), null, next.Id), Ct));
        await CompleteAsync(next, JobOutcome.Succeeded, exitCode: 0);
        Assert.Equal(next.Id, Assert.Single(await Store.Schedules.ListSettledRunsAsync(10, Ct)).JobId);
        Assert.Equal(0, (await Store.Schedules.RecordRunAsync(tenant, schedule.Id, next.Id, failed: false, Ct))?.ConsecutiveFailures);
    }
}
