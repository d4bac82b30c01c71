using System.Net;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests;

/// <summary>The schedule API: validation with reasons, the quota, roles, isolation, next fires and upcoming fires.</summary>
public sealed class ScheduleTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    // The scheduler stays idle in these tests (a long interval, nothing signalled matters): they check the API alone.
    public async Task InitializeAsync() => await _server.StartAsync(o => o.Roles = "api,janitor");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static async Task<TestTenant> WithHelloAsync(TestTenant tenant)
    {
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        return tenant;
    }

    [Fact]
    public async Task Create_show_list_update_and_delete_a_schedule()
    {
        using var tenant = await WithHelloAsync(await _server.CreateTenantAsync());
        var created = await tenant.Client.PostAsJsonAsync("/api/v1/schedules", new CreateScheduleRequest(
            "nightly", "0 2 * * *", "hello", "Europe/Berlin", Inputs: new() { ["name"] = System.Text.Json.JsonSerializer.SerializeToElement("Ada") },
            ConcurrencyPolicy: "skip", MisfirePolicy: "catch-up", CatchUpWindow: "2h")).ReadAsync<ScheduleDto>(HttpStatusCode.Created);
        Assert.StartsWith("sch_", created.Id, StringComparison.Ordinal);
        Assert.Equal(("nightly", "Europe/Berlin", (string?)null, "default", "skip", "catch-up", "PT2H", false, 5),
            (created.Name, created.TimeZone, created.Version, created.Queue, created.ConcurrencyPolicy, created.MisfirePolicy, created.CatchUpWindow, created.Paused, created.AutoPauseAfter));
        Assert.Equal("Ada", created.Inputs.GetProperty("name").GetString());
        Assert.NotNull(created.NextFireAt);
        Assert.Equal(new TimeSpan(2, 0, 0), TimeZoneInfo.ConvertTime(created.NextFireAt.Value, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")).TimeOfDay);

        Assert.Equal(created.Id, (await tenant.Client.GetAsync($"/api/v1/schedules/{created.Id}").ReadAsync<ScheduleDto>()).Id);
        Assert.Equal(created.Id, (await tenant.Client.GetAsync("/api/v1/schedules/nightly").ReadAsync<ScheduleDto>()).Id);
        Assert.Equal(["nightly"], (await tenant.Client.GetAsync("/api/v1/schedules").ReadAsync<ListResponse<ScheduleDto>>()).Items.Select(s => s.Name));

        var next = await tenant.Client.GetAsync($"/api/v1/schedules/{created.Id}/next?count=3").ReadAsync<ScheduleFiresDto>();
        Assert.Equal(3, next.Fires.Count);
        Assert.Equal(created.NextFireAt, next.Fires[0]);
        Assert.All(next.Fires.Zip(next.Fires.Skip(1)), pair => Assert.InRange((pair.Second - pair.First).TotalHours, 23, 25));

        var updated = await tenant.Client.PatchAsJsonAsync($"/api/v1/schedules/{created.Id}", new UpdateScheduleRequest(Cron: "*/5 * * * * *", Version: "1.0.0", Priority: 7))
            .ReadAsync<ScheduleDto>();
        Assert.Equal(("*/5 * * * * *", "1.0.0", 7), (updated.Cron, updated.Version, updated.Priority));
        Assert.True(updated.NextFireAt < created.NextFireAt);

        var paused = await tenant.Client.PostAsync($"/api/v1/schedules/{created.Id}/pause", null).ReadAsync<ScheduleDto>();
        Assert.Equal((true, "paused by an operator"), (paused.Paused, paused.PauseReason));
        var resumed = await tenant.Client.PostAsync($"/api/v1/schedules/{created.Id}/resume", null).ReadAsync<ScheduleDto>();
        Assert.Equal((false, (string?)null, 0), (resumed.Paused, resumed.PauseReason, resumed.ConsecutiveFailures));

        await tenant.Client.DeleteAsync($"/api/v1/schedules/{created.Id}").ShouldBeAsync(HttpStatusCode.NoContent);
        await tenant.Client.GetAsync($"/api/v1/schedules/{created.Id}").ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
    }

    [Theory]
    [InlineData("""{"name":"x","cron":"* * *","package":"hello"}""", "cron", "has 3 field(s)")]
    [InlineData("""{"name":"x","cron":"0 9 * * *","package":"hello","timeZone":"Mars/Base"}""", "timeZone", "IANA")]
    [InlineData("""{"name":"x","cron":"0 9 * * *","package":"nope"}""", "package", "has no versions")]
    [InlineData("""{"name":"x","cron":"0 9 * * *","package":"hello","version":"9.9.9"}""", "package", "no version 9.9.9")]
    [InlineData("""{"name":"x","cron":"0 9 * * *","package":"hello","queue":"nope"}""", "queue", "does not exist")]
    [InlineData("""{"name":"x","cron":"0 9 * * *","package":"hello","calendar":"nope"}""", "calendar", "does not exist")]
    [InlineData("""{"name":"x","cron":"0 9 * * *","package":"hello","concurrencyPolicy":"maybe"}""", "concurrencyPolicy", "queue-one")]
    [InlineData("""{"name":"x","cron":"0 9 * * *","package":"hello","misfirePolicy":"never"}""", "misfirePolicy", "catch-up")]
    [InlineData("""{"name":"x","cron":"0 9 * * *","package":"hello","catchUpWindow":"P30D"}""", "catchUpWindow", "7 days")]
    [InlineData("""{"name":"x","cron":"0 9 30 2 *","package":"hello"}""", "cron", "never fires")]
    [InlineData("""{"name":"Bad Name","cron":"0 9 * * *","package":"hello"}""", "name", "not a valid schedule name")]
    // Inputs are checked against the package's parameters when the schedule is saved, as a submission would be.
    [InlineData("""{"name":"x","cron":"0 9 * * *","package":"hello","inputs":{"count":"many"}}""", "inputs.count", "integer")]
    [InlineData("""{"name":"x","cron":"0 9 * * *","package":"hello","inputs":{"colour":"red"}}""", "inputs.colour", "unknown input")]
    public async Task Invalid_schedules_are_refused_with_the_field_and_reason(string body, string field, string reason)
    {
        using var tenant = await WithHelloAsync(await _server.CreateTenantAsync());
        var problem = await tenant.Client.PostAsync("/api/v1/schedules", new StringContent(body, System.Text.Encoding.UTF8, "application/json"))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Contains(reason, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty((await tenant.Client.GetAsync("/api/v1/schedules").ReadAsync<ListResponse<ScheduleDto>>()).Items);
    }

    [Fact]
    public async Task Changing_inputs_or_the_version_revalidates_the_inputs()
    {
        using var tenant = await WithHelloAsync(await _server.CreateTenantAsync("free"));
        var created = await tenant.Client.PostAsync("/api/v1/schedules", new StringContent(
            """{"name":"x","cron":"0 9 * * *","package":"hello","inputs":{"count":3}}""", System.Text.Encoding.UTF8, "application/json"))
            .ReadAsync<ScheduleDto>(HttpStatusCode.Created);
        var problem = await tenant.Client.PatchAsync($"/api/v1/schedules/{created.Id}", new StringContent(
            """{"inputs":{"count":1.5}}""", System.Text.Encoding.UTF8, "application/json")).ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.Equal("inputs.count", problem.GetProperty("field").GetString());
        var big = new string('n', 300 * 1024);
        problem = await tenant.Client.PatchAsync($"/api/v1/schedules/{created.Id}", new StringContent(
            "{\"inputs\":{\"name\":\"" + big + "\"}}", System.Text.Encoding.UTF8, "application/json")).ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.Equal("inputs", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task The_tier_quota_limits_the_count_and_names_are_unique()
    {
        using var tenant = await WithHelloAsync(await _server.CreateTenantAsync("free"));
        await tenant.Client.PostAsJsonAsync("/api/v1/schedules", new CreateScheduleRequest("a", "0 9 * * *", "hello")).ShouldBeAsync(HttpStatusCode.Created);
        await tenant.Client.PostAsJsonAsync("/api/v1/schedules", new CreateScheduleRequest("a", "0 9 * * *", "hello"))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, ProblemTypes.Conflict);
        await tenant.Client.PostAsJsonAsync("/api/v1/schedules", new CreateScheduleRequest("b", "0 9 * * *", "hello")).ShouldBeAsync(HttpStatusCode.Created);
        var problem = await tenant.Client.PostAsJsonAsync("/api/v1/schedules", new CreateScheduleRequest("c", "0 9 * * *", "hello"))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.QuotaExceeded);
        Assert.Equal("schedules", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Viewers_read_operators_write_and_other_tenants_get_404()
    {
        using var tenant = await WithHelloAsync(await _server.CreateTenantAsync());
        var schedule = await tenant.Client.PostAsJsonAsync("/api/v1/schedules", new CreateScheduleRequest("nightly", "0 2 * * *", "hello"))
            .ReadAsync<ScheduleDto>(HttpStatusCode.Created);
        var viewer = await tenant.Client.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("viewer", "viewer")).ReadAsync<CreatedApiKeyDto>(HttpStatusCode.Created);
        using var viewerClient = _server.Client(viewer.Secret);
        await viewerClient.GetAsync($"/api/v1/schedules/{schedule.Id}").ShouldBeAsync(HttpStatusCode.OK);
        await viewerClient.GetAsync($"/api/v1/schedules/{schedule.Id}/next").ShouldBeAsync(HttpStatusCode.OK);
        await viewerClient.GetAsync("/api/v1/schedules/upcoming").ShouldBeAsync(HttpStatusCode.OK);
        await viewerClient.PostAsync($"/api/v1/schedules/{schedule.Id}/pause", null).ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        await viewerClient.DeleteAsync($"/api/v1/schedules/{schedule.Id}").ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        await viewerClient.PostAsJsonAsync("/api/v1/schedules", new CreateScheduleRequest("x", "0 2 * * *", "hello"))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden);

        using var other = await _server.CreateTenantAsync();
        foreach (var path in new[] { $"/api/v1/schedules/{schedule.Id}", $"/api/v1/schedules/{schedule.Id}/next", "/api/v1/schedules/nightly" })
        {
            await other.Client.GetAsync(path).ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        }
        await other.Client.PostAsync($"/api/v1/schedules/{schedule.Id}/pause", null).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await other.Client.PatchAsJsonAsync($"/api/v1/schedules/{schedule.Id}", new UpdateScheduleRequest(Priority: 1)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await other.Client.DeleteAsync($"/api/v1/schedules/{schedule.Id}").ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.False((await tenant.Client.GetAsync($"/api/v1/schedules/{schedule.Id}").ReadAsync<ScheduleDto>()).Paused);
        // Tenant admins are not system admins.
        await tenant.Client.GetAsync("/api/v1/system/upcoming-fires").ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Upcoming_fires_list_the_window_for_the_tenant_and_for_system_admins_every_tenant()
    {
        using var acme = await WithHelloAsync(await _server.CreateTenantAsync());
        using var globex = await WithHelloAsync(await _server.CreateTenantAsync());
        await acme.Client.PostAsJsonAsync("/api/v1/queues", new CreateQueueRequest("reports")).ShouldBeAsync(HttpStatusCode.Created);
        var every10 = await acme.Client.PostAsJsonAsync("/api/v1/schedules", new CreateScheduleRequest("every-10s", "*/10 * * * * *", "hello", Queue: "reports"))
            .ReadAsync<ScheduleDto>(HttpStatusCode.Created);
        await acme.Client.PostAsJsonAsync("/api/v1/schedules", new CreateScheduleRequest("yearly", "0 0 1 1 *", "hello")).ShouldBeAsync(HttpStatusCode.Created);
        await globex.Client.PostAsJsonAsync("/api/v1/schedules", new CreateScheduleRequest("every-30s", "*/30 * * * * *", "hello", Version: "1.0.0"))
            .ShouldBeAsync(HttpStatusCode.Created);

        var mine = await acme.Client.GetAsync("/api/v1/schedules/upcoming?within=PT1M").ReadAsync<UpcomingFiresDto>();
        Assert.InRange(mine.Fires.Count, 6, 7);
        Assert.All(mine.Fires, f => Assert.Equal((every10.Id, "hello", "1.0.0", "reports"), (f.ScheduleId, f.Package, f.Version, f.Queue)));
        Assert.All(mine.Fires, f => Assert.InRange(f.FireAt, mine.From, mine.Until));
        Assert.Equal(mine.Fires.OrderBy(f => f.FireAt), mine.Fires);

        using var admin = _server.Client();
        var all = await admin.GetAsync("/api/v1/system/upcoming-fires?within=1m").ReadAsync<UpcomingFiresDto>();
        Assert.Equal(new[] { acme.Tenant.Id, globex.Tenant.Id }.Order(StringComparer.Ordinal), all.Fires.Select(f => f.TenantId).Distinct().Order(StringComparer.Ordinal));
        Assert.InRange(all.Fires.Count(f => f.TenantId == globex.Tenant.Id), 2, 3);
        await admin.GetAsync("/api/v1/system/upcoming-fires?within=P30D").ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
    }
}
