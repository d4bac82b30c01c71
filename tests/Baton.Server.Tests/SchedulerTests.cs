using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.Server.Roles;
using Baton.Server.Tests.Support;
using Baton.Storage;
using Baton.Storage.Model;
using Microsoft.Extensions.DependencyInjection;

namespace Baton.Server.Tests;

/// <summary>The scheduler role on a real server: fires on time, one job per fire with two schedulers, and auto-pause.</summary>
public sealed class SchedulerTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync(o => o.SchedulerInterval = TimeSpan.FromMilliseconds(200));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private IBatonStore Store => _server.Server.Services.GetRequiredService<IBatonStore>();

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, TimeSpan within, string what) where T : class
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < within)
        {
            if (await probe() is { } value) return value;
            await Task.Delay(100);
        }
        throw new TimeoutException($"Timed out waiting for {what}.");
    }

    private async Task<(TestTenant Tenant, ScheduleDto Schedule)> EverySecondAsync(string concurrency = "allow", int autoPauseAfter = 5)
    {
        var tenant = await _server.CreateTenantAsync();
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        var schedule = await tenant.Client.PostAsJsonAsync("/api/v1/schedules", new CreateScheduleRequest(
            "every-second", "* * * * * *", "hello", ConcurrencyPolicy: concurrency, AutoPauseAfter: autoPauseAfter)).ReadAsync<ScheduleDto>(HttpStatusCode.Created);
        return (tenant, schedule);
    }

    [Fact]
    public async Task A_per_second_schedule_submits_one_job_per_fire_keyed_by_the_fire_time()
    {
        var (tenant, schedule) = await EverySecondAsync();
        using var _ = tenant;
        var jobs = await EventuallyAsync(async () =>
        {
            var page = await Store.Jobs.ListAsync(tenant.Tenant.Id, new JobQuery(Limit: 100), default);
            return page.Items.Count >= 3 ? page.Items : null;
        }, TimeSpan.FromSeconds(15), "three scheduled jobs");

        Assert.All(jobs, j => Assert.StartsWith($"schedule:{schedule.Id}:", j.IdempotencyKey, StringComparison.Ordinal));
        Assert.Equal(jobs.Count, jobs.Select(j => j.IdempotencyKey).Distinct().Count());
        foreach (var job in jobs)
        {
            var fire = DateTimeOffset.Parse(job.IdempotencyKey![$"schedule:{schedule.Id}:".Length..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(0, fire.Millisecond);
            Assert.InRange((job.SubmittedAt - fire).TotalMilliseconds, 0, 1500);
        }
        var shown = await tenant.Client.GetAsync($"/api/v1/schedules/{schedule.Id}").ReadAsync<ScheduleDto>();
        Assert.NotNull(shown.LastJobId);
        Assert.NotNull(shown.LastFireAt);
    }

    [Fact]
    public async Task Two_scheduler_services_over_one_store_make_exactly_one_job_per_fire()
    {
        var (tenant, schedule) = await EverySecondAsync();
        using var _ = tenant;
        // A second scheduler in the same process, over the same store, racing the server's own.
        using var stop = new CancellationTokenSource();
        var second = ActivatorUtilities.CreateInstance<SchedulerService>(_server.Server.Services);
        var racers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await second.RunOnceAsync(CancellationToken.None);
                await Task.Delay(50);
            }
        })).ToList();

        await EventuallyAsync(async () =>
            (await Store.Jobs.ListAsync(tenant.Tenant.Id, new JobQuery(Limit: 100), default)).Items.Count >= 5 ? "" : null,
            TimeSpan.FromSeconds(20), "five fires");
        await stop.CancelAsync();
        await Task.WhenAll(racers);

        var jobs = (await Store.Jobs.ListAsync(tenant.Tenant.Id, new JobQuery(Limit: 100), default)).Items;
        Assert.Equal(jobs.Count, jobs.Select(j => j.IdempotencyKey).Distinct().Count());
        var fires = jobs.Select(j => j.IdempotencyKey!).Order(StringComparer.Ordinal).ToList();
        Assert.All(fires, key => Assert.StartsWith($"schedule:{schedule.Id}:", key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_schedule_whose_runs_keep_failing_pauses_itself_and_says_why()
    {
        var (tenant, schedule) = await EverySecondAsync(concurrency: "skip", autoPauseAfter: 2);
        using var _ = tenant;
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant);
        for (var i = 0; i < 2; i++)
        {
            var job = await agent.ClaimOneAsync(TimeSpan.FromSeconds(15));
            await agent.StartAsync(job.JobId, job.Attempt).ShouldBeAsync(HttpStatusCode.NoContent);
            await agent.CompleteAsync(job.JobId, job.Attempt, "failed", error: "boom", exitCode: 1).ShouldBeAsync(HttpStatusCode.OK);
            if (i == 0)
            {
                await EventuallyAsync(async () =>
                    (await tenant.Client.GetAsync($"/api/v1/schedules/{schedule.Id}").ReadAsync<ScheduleDto>()).ConsecutiveFailures == 1 ? "" : null,
                    TimeSpan.FromSeconds(10), "the first failure to be counted");
            }
        }

        var paused = await EventuallyAsync(async () =>
            await tenant.Client.GetAsync($"/api/v1/schedules/{schedule.Id}").ReadAsync<ScheduleDto>() is { Paused: true } s ? s : null,
            TimeSpan.FromSeconds(10), "the auto-pause");
        Assert.Equal("auto-paused after 2 failed runs in a row", paused.PauseReason);
        // …and says so in the tenant's events (webhooks, the events stream), written right after the pause.
        var events = await EventuallyAsync(async () =>
            await tenant.Client.GetAsync("/api/v1/events?types=schedule.auto_paused").ReadAsync<EventPageDto>() is { Items.Count: > 0 } page ? page : null,
            TimeSpan.FromSeconds(10), "the schedule.auto_paused event");
        var autoPaused = Assert.Single(events.Items);
        Assert.Equal(schedule.Id, autoPaused.SubjectId);
        Assert.Equal(2, autoPaused.Data.GetProperty("consecutiveFailures").GetInt32());

        // Paused: no more jobs are submitted; resuming resets the count.
        var count = (await Store.Jobs.ListAsync(tenant.Tenant.Id, new JobQuery(Limit: 100), default)).Items.Count;
        await ActivatorUtilities.CreateInstance<SchedulerService>(_server.Server.Services).RunOnceAsync(default);
        Assert.Equal(count, (await Store.Jobs.ListAsync(tenant.Tenant.Id, new JobQuery(Limit: 100), default)).Items.Count);
        var resumed = await tenant.Client.PostAsync($"/api/v1/schedules/{schedule.Id}/resume", null).ReadAsync<ScheduleDto>();
        Assert.Equal((false, 0), (resumed.Paused, resumed.ConsecutiveFailures));
    }
}
