using System.Net;
using System.Net.Http.Json;
using System.Text;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.Hardening;

/// <summary>
/// Input that would be half-understood is refused: a PATCH with a field it does not know, an iCalendar file
/// with nothing in it; and a refusal never echoes a huge value back whole.
/// </summary>
public sealed class StrictInputTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Every_patch_route_refuses_an_unknown_field_and_names_it()
    {
        using var admin = _server.Client();
        var patches = EndpointTable.Read(_server).Where(r => r.Method == "PATCH").ToList();
        Assert.True(patches.Count >= 6, $"only {patches.Count} PATCH routes were found: {string.Join(", ", patches)}");
        foreach (var route in patches)
        {
            // Binding refuses the body before the handler looks the object up, so any id shows it.
            var path = route.Fill(_ => "anything");
            using var request = new HttpRequestMessage(HttpMethod.Patch, path)
            {
                Content = new StringContent("{\"priorty\": 5}", Encoding.UTF8, "application/json"),
            };
            var problem = await admin.SendAsync(request).ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
            Assert.Equal("priorty", problem.GetProperty("field").GetString());
            Assert.Contains("'priorty'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_patch_with_a_misspelt_field_changes_nothing_and_nested_fields_are_checked_too()
    {
        using var admin = _server.Client();
        using var tenant = await _server.CreateTenantAsync("standard");
        await tenant.Client.PostAsJsonAsync("/api/v1/queues", new { name = "q1", priority = 3 }).ShouldBeAsync(HttpStatusCode.Created);
        await tenant.Client.PatchAsync("/api/v1/queues/q1", JsonContent.Create(new { priority = 9, maxConcurency = 2 }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        var queue = await tenant.Client.GetAsync("/api/v1/queues/q1").ReadAsync<QueueDto>();
        Assert.Equal(3, queue.Priority);

        var problem = await admin.PatchAsync($"/api/v1/tenants/{tenant.Tenant.Id}", JsonContent.Create(new { quotas = new { agentz = 5 } }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.Equal("quotas.agentz", problem.GetProperty("field").GetString());
        // A known field still works.
        await admin.PatchAsync($"/api/v1/tenants/{tenant.Tenant.Id}", JsonContent.Create(new { quotas = new { agents = 5 } })).ShouldBeAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_ics_file_without_events_is_refused_and_nothing_is_stored()
    {
        using var tenant = await _server.CreateTenantAsync();
        var problem = await tenant.Client.PutAsync("/api/v1/calendars/empty",
                new StringContent("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-CALNAME:Holidays\r\nEND:VCALENDAR\r\n", Encoding.UTF8, "text/calendar"))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.Contains("no events", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await tenant.Client.GetAsync("/api/v1/calendars/empty").ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_refusal_never_echoes_a_huge_value_whole()
    {
        using var admin = _server.Client();
        using var tenant = await _server.CreateTenantAsync();
        var name = new string('n', 10_000);
        var refusals = new[]
        {
            await admin.PostAsJsonAsync("/api/v1/tenants", new { name }).ShouldBeProblemAsync(HttpStatusCode.BadRequest),
            await tenant.Client.PostAsJsonAsync("/api/v1/queues", new { name }).ShouldBeProblemAsync(HttpStatusCode.BadRequest),
            await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest(name)).ShouldBeProblemAsync(HttpStatusCode.NotFound),
            await tenant.Client.PostAsJsonAsync("/api/v1/calendars", new { name, workingDays = new[] { "mon" } }).ShouldBeProblemAsync(HttpStatusCode.BadRequest),
            await tenant.Client.GetAsync($"/api/v1/jobs/{new string('j', 6_000)}").ShouldBeProblemAsync(HttpStatusCode.NotFound),
            await tenant.Client.GetAsync($"/api/v1/jobs?limit={new string('9', 6_000)}").ShouldBeProblemAsync(HttpStatusCode.BadRequest),
            await tenant.Client.PatchAsync("/api/v1/jobs/x", new StringContent($"{{\"{name}\": 1}}", Encoding.UTF8, "application/json"))
                .ShouldBeProblemAsync(HttpStatusCode.BadRequest),
        };
        // The ones that do quote the value say it was cut.
        Assert.Contains(refusals, p => p.GetProperty("detail").GetString()!.Contains("(10000 characters)", StringComparison.Ordinal));
        foreach (var problem in refusals)
        {
            var text = problem.GetRawText();
            Assert.True(text.Length < 2_000, $"a refusal of {text.Length} characters: {text[..Math.Min(text.Length, 300)]}…");
            foreach (var echoed in new[] { 'n', 'j', '9' }) Assert.DoesNotContain(new string(echoed, 200), text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Cutting_echoed_values_is_linear_whatever_the_text_holds()
    {
        // Quotes everywhere, never closed the way a value is: a backtracking matcher would take minutes.
        var hostile = "x: '" + string.Concat(Enumerable.Repeat(" 'a \"b", 200_000));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var bounded = Baton.Server.Api.ProblemDefaults.Bound(hostile)!;
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
        Assert.True(bounded.Length <= Baton.Server.Api.ProblemDefaults.MaxDetail + 1);
        Assert.Equal("Queue 'q' of tenant's key was not found.", Baton.Server.Api.ProblemDefaults.Bound("Queue 'q' of tenant's key was not found."));
        var cut = Baton.Server.Api.ProblemDefaults.Bound($"Queue '{new string('q', 500)}' was not found.")!;
        Assert.Equal($"Queue '{new string('q', 100)}…' (500 characters) was not found.", cut);
    }
}
