using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Baton.Core.Api;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.Notifications;

/// <summary>The tenant's events as a page and as a server-sent-events stream; quota alerts that do not flood.</summary>
public sealed class EventStreamTests : IAsyncLifetime
{
    private readonly ServerHarness _server = new();

    public async Task InitializeAsync() => await _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_page_lists_the_tenants_events_after_an_id_with_a_type_filter()
    {
        using var tenant = await WebhookScenario.TenantWithPackageAsync(_server);
        using var other = await WebhookScenario.TenantWithPackageAsync(_server);
        var jobs = await WebhookScenario.CancelJobsAsync(tenant, 3);
        await WebhookScenario.CancelJobsAsync(other, 1);

        var page = await tenant.Client.GetAsync("/api/v1/events?after=1").ReadAsync<EventPageDto>();
        Assert.Equal([2L, 3L], page.Items.Select(e => e.Id));
        Assert.Equal(3, page.Next);
        Assert.Equal(jobs.Skip(1), page.Items.Select(e => e.SubjectId));
        Assert.All(page.Items, e => Assert.Equal("job.cancelled", e.Type));
        Assert.Empty((await tenant.Client.GetAsync("/api/v1/events?types=job.failed").ReadAsync<EventPageDto>()).Items);
        Assert.Single((await other.Client.GetAsync("/api/v1/events").ReadAsync<EventPageDto>()).Items);
        await tenant.Client.GetAsync("/api/v1/events?types=job.exploded").ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);
    }

    [Fact]
    public async Task The_stream_delivers_new_events_live_and_resumes_after_the_last_event_id()
    {
        using var tenant = await WebhookScenario.TenantWithPackageAsync(_server);
        await WebhookScenario.CancelJobsAsync(tenant, 1); // before the stream: not sent without a position
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        await using (var stream = await OpenStreamAsync(tenant, null, timeout.Token))
        {
            var jobs = await WebhookScenario.CancelJobsAsync(tenant, 2);
            var seen = await ReadAsync(stream, 2, timeout.Token);
            Assert.Equal([2L, 3L], seen.Select(e => long.Parse(e.EventId!, System.Globalization.CultureInfo.InvariantCulture)));
            Assert.Equal(jobs, seen.Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("subjectId").GetString()));
            Assert.All(seen, e => Assert.Equal("job.cancelled", e.EventType));
        }

        await using (var resumed = await OpenStreamAsync(tenant, "1", timeout.Token))
        {
            var replay = await ReadAsync(resumed, 2, timeout.Token);
            Assert.Equal(["2", "3"], replay.Select(e => e.EventId));
        }

        // A browser reconnecting to /events/stream?after=1 names its last event (2): the stream goes on after it, not after 1.
        await using var reconnected = await OpenStreamAsync(tenant, "2", timeout.Token, "?after=1");
        Assert.Equal(["3"], (await ReadAsync(reconnected, 1, timeout.Token)).Select(e => e.EventId));
    }

    [Fact]
    public async Task A_refused_registration_past_the_agent_quota_raises_one_quota_event_not_one_per_refusal()
    {
        using var tenant = await _server.CreateTenantAsync("free", new QuotaOverridesInput(Agents: 1));
        using var agent = await SimulatedAgent.RegisterAsync(_server, tenant, "a");
        var token = await SimulatedAgent.CreateEnrollmentTokenAsync(tenant);
        for (var i = 0; i < 3; i++) await SimulatedAgent.TryRegisterAsync(_server, token, "extra").ShouldBeAsync(HttpStatusCode.Forbidden);

        var quota = Assert.Single((await tenant.Client.GetAsync("/api/v1/events?types=quota.reached").ReadAsync<EventPageDto>()).Items);
        Assert.Equal("agents", quota.SubjectId);
        Assert.Equal(1, quota.Data.GetProperty("limit").GetDouble());
        Assert.Contains("1 online agent", quota.Data.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private sealed class OpenStream(HttpResponseMessage response, Stream body) : IAsyncDisposable
    {
        public IAsyncEnumerator<SseItem<string>> Items { get; } = SseParser.Create(body).EnumerateAsync().GetAsyncEnumerator();

        public async ValueTask DisposeAsync()
        {
            await Items.DisposeAsync();
            await body.DisposeAsync();
            response.Dispose();
        }
    }

    private static async Task<OpenStream> OpenStreamAsync(TestTenant tenant, string? lastEventId, CancellationToken ct, string query = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/events/stream" + query);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        var response = await tenant.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        await response.ShouldBeAsync(HttpStatusCode.OK);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new OpenStream(response, await response.Content.ReadAsStreamAsync(ct));
    }

    private static async Task<List<SseItem<string>>> ReadAsync(OpenStream stream, int count, CancellationToken ct)
    {
        var items = new List<SseItem<string>>();
        while (items.Count < count && await stream.Items.MoveNextAsync().AsTask().WaitAsync(ct)) items.Add(stream.Items.Current);
        return items;
    }
}
