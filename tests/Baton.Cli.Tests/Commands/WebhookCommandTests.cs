using System.Text.Json;
using Baton.Cli.Http;
using Baton.Cli.Tests.Infrastructure;
using Baton.Core.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Baton.Cli.Tests.Commands;

/// <summary><c>baton webhook …</c> and <c>baton events</c> against a recording fake server.</summary>
public sealed class WebhookCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private static WebhookDto Hook(string id = "wh_1", string url = "https://hooks.example.com/b") =>
        new(id, url, ["job.failed"], true, "ops", Dtos.At, Dtos.At);

    private static WebhookDeliveryDto Delivery(string id, string state = "delivered", string? redeliveryOf = null) =>
        new(id, "wh_1", 7, "job.failed", state, 2, state == "delivered" ? 200 : 503, state == "delivered" ? null : "HTTP 503 Service Unavailable",
            41, Dtos.At, Dtos.At, null, state == "delivered" ? Dtos.At : null, redeliveryOf);

    private static TenantEventDto Event(long id, string type = "job.failed") =>
        new(id, type, "j_" + id, Dtos.At, JsonSerializer.SerializeToElement(new { package = "invoice-sync", version = "1.0.0", error = "boom" }));

    private static Task<FakeBatonServer> StartServerAsync() => FakeBatonServer.StartAsync(app =>
    {
        app.MapPost("/api/v1/webhooks", (CreateWebhookRequest request) =>
            FakeBatonServer.Json(new CreatedWebhookDto(Hook(url: request.Url) with { Events = request.Events ?? ["*"] }, "whsec_shown_once"), 201));
        app.MapGet("/api/v1/webhooks", () => FakeBatonServer.Json(new ListResponse<WebhookDto>([Hook(), Hook("wh_2", "https://other.example.com")])));
        app.MapDelete("/api/v1/webhooks/{id}", (string id) => id == "wh_1"
            ? Results.NoContent()
            : FakeBatonServer.Problem(404, "Not found", $"Webhook {id} was not found.", ProblemTypes.NotFound));
        app.MapGet("/api/v1/webhooks/{id}/deliveries", (string id) =>
            FakeBatonServer.Json(new ListResponse<WebhookDeliveryDto>([Delivery("wd_2", "pending"), Delivery("wd_1")])));
        app.MapPost("/api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver", (string id, string deliveryId) =>
            FakeBatonServer.Json(Delivery("wd_3", "pending", deliveryId), 202));
        app.MapPost("/api/v1/webhooks/{id}/test", (string id) => FakeBatonServer.Json(Delivery("wd_ping", "pending") with { EventType = "ping" }, 202));
        app.MapGet("/api/v1/events", () => FakeBatonServer.Json(new EventPageDto([Event(4), Event(5, "agent.offline")], 5)));
        app.MapGet("/api/v1/events/stream", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/event-stream";
            foreach (var e in new[] { Event(8), Event(9) })
            {
                await context.Response.WriteAsync($"id: {e.Id}\nevent: {e.Type}\ndata: {JsonSerializer.Serialize(e, BatonJson.Wire)}\n\n");
            }
        });
    });

    [Fact]
    public async Task Webhook_create_sends_the_url_and_events_and_shows_the_secret_once()
    {
        await using var server = await StartServerAsync();

        var result = await _cli.RunAgainstAsync(server, "webhook", "create", "https://hooks.example.com/b", "--event", "job.failed", "--event", "agent.offline", "--description", "ops");

        Assert.Equal(0, result.ExitCode);
        var sent = JsonSerializer.Deserialize<CreateWebhookRequest>(server.Single("POST", "/api/v1/webhooks").Body, BatonJson.Wire)!;
        Assert.Equal("https://hooks.example.com/b", sent.Url);
        Assert.Equal(["job.failed", "agent.offline"], sent.Events);
        Assert.Equal("ops", sent.Description);
        Assert.Null(sent.Secret);
        Assert.Contains("whsec_shown_once", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("shown once", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhook_list_and_deliveries_print_tables()
    {
        await using var server = await StartServerAsync();

        var list = await _cli.RunAgainstAsync(server, "webhook", "list");
        var deliveries = await _cli.RunAgainstAsync(server, "webhook", "deliveries", "wh_1", "--limit", "10");

        Assert.Equal(0, list.ExitCode);
        Assert.Contains("https://other.example.com", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("enabled", list.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, deliveries.ExitCode);
        Assert.Contains("HTTP 503 Service Unavailable", deliveries.Stdout, StringComparison.Ordinal);
        Assert.Contains("job.failed #7", deliveries.Stdout, StringComparison.Ordinal);
        Assert.Contains(server.Requests, r => r.PathAndQuery == "/api/v1/webhooks/wh_1/deliveries?limit=10");
    }

    [Fact]
    public async Task Webhook_redeliver_test_and_delete_call_their_endpoints()
    {
        await using var server = await StartServerAsync();

        var redeliver = await _cli.RunAgainstAsync(server, "webhook", "redeliver", "wh_1", "wd_1");
        var test = await _cli.RunAgainstAsync(server, "webhook", "test", "wh_1");
        var deleted = await _cli.RunAgainstAsync(server, "webhook", "delete", "wh_1");
        var missing = await _cli.RunAgainstAsync(server, "webhook", "delete", "wh_404");

        Assert.Equal(0, redeliver.ExitCode);
        Assert.Contains("redelivery of wd_1", redeliver.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, test.ExitCode);
        Assert.Contains("wd_ping", test.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, deleted.ExitCode);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("wh_404 was not found", missing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_lists_a_page_with_a_type_filter()
    {
        await using var server = await StartServerAsync();

        var result = await _cli.RunAgainstAsync(server, "events", "--type", "job.failed", "--type", "agent.offline", "--after", "3");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(server.Requests, r => r.PathAndQuery == "/api/v1/events?after=3&limit=100&types=job.failed%2Cagent.offline");
        Assert.Contains("#4", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("invoice-sync 1.0.0 boom", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("agent.offline", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_follow_streams_and_resumes_after_the_last_event_when_the_connection_closes()
    {
        await using var server = await StartServerAsync();

        var result = await _cli.RunAgainstAsync(server, "events", "--follow", "--limit", "3", "--json");

        Assert.Equal(0, result.ExitCode);
        var ids = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("id").GetInt64()).ToList();
        Assert.Equal([8L, 9L, 8L], ids);
        var streams = server.Requests.Where(r => r.PathAndQuery.StartsWith("/api/v1/events/stream", StringComparison.Ordinal)).ToList();
        Assert.Equal("/api/v1/events/stream", streams[0].PathAndQuery);
        Assert.Equal("/api/v1/events/stream?after=9", streams[1].PathAndQuery);
    }
}
