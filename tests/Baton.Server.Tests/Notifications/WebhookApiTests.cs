using System.Net;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.Server.Hosting;
using Baton.Server.Notifications;
using Baton.Server.Tests.Support;
using Baton.Storage.Model;
using Microsoft.Extensions.Options;

namespace Baton.Server.Tests.Notifications;

/// <summary>The webhooks API: the SSRF guard, secrets, roles, tenant isolation, test pings and redelivery.</summary>
public sealed class WebhookApiTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("http://127.0.0.1:9/hook", "target-not-allowed")]
    [InlineData("http://localhost:9/hook", "target-not-allowed")]
    [InlineData("http://169.254.169.254/latest/meta-data", "target-not-allowed")]
    [InlineData("http://10.1.2.3/hook", "target-not-allowed")]
    [InlineData("http://[::1]:9/hook", "target-not-allowed")]
    [InlineData("http://100.64.0.1/hook", "target-not-allowed")]
    [InlineData("ftp://example.com/hook", "invalid-url")]
    [InlineData("not a url", "invalid-url")]
    public async Task Non_public_or_non_http_targets_are_refused_by_default(string url, string reason)
    {
        await using var server = await new ServerHarness().StartAsync();
        using var tenant = await server.CreateTenantAsync();

        var problem = await tenant.Client.PostAsJsonAsync("/api/v1/webhooks", new CreateWebhookRequest(url))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);

        Assert.Equal(reason, problem.GetProperty("reason").GetString());
        Assert.Equal("url", problem.GetProperty("field").GetString());
        Assert.Empty((await tenant.Client.GetAsync("/api/v1/webhooks").ReadAsync<ListResponse<WebhookDto>>()).Items);
    }

    [Fact]
    public async Task The_connect_time_guard_refuses_loopback_even_when_the_url_got_past_creation()
    {
        await using var receiver = new WebhookReceiver().Start();
        var options = Options.Create(new ServerOptions());
        using var sender = new WebhookSender(new WebhookTargetGuard(options), options, TimeProvider.System);
        var delivery = new WebhookDeliveryRecord("t", "wd_1", "wh_1", 1, "job.failed", "{}", DeliveryState.Pending, 1,
            TimeProvider.System.GetUtcNow(), null, null, null, null, TimeProvider.System.GetUtcNow(), null, null);

        var outcome = await sender.SendAsync(new ClaimedDelivery(delivery, receiver.Url, "secret", "token", TimeProvider.System.GetUtcNow()), CancellationToken.None);

        Assert.False(outcome.Delivered);
        Assert.Contains("loopback", outcome.Error, StringComparison.Ordinal);
        Assert.Empty(receiver.Received);
    }

    [Fact]
    public async Task Loopback_is_allowed_by_an_allowed_network_and_a_test_ping_arrives_signed()
    {
        await using var receiver = new WebhookReceiver().Start();
        await using var server = await new ServerHarness().StartAsync(o =>
        {
            WebhookScenario.FastDelivery(o);
            o.Webhooks.AllowPrivateTargets = false;
            o.Webhooks.AllowedNetworks = ["127.0.0.0/8"];
        });
        using var tenant = await server.CreateTenantAsync();
        var created = await tenant.Client.PostAsJsonAsync("/api/v1/webhooks",
            new CreateWebhookRequest(receiver.Url, ["job.failed", "agent.offline"], "a-secret-of-my-own-choosing", "ops channel"))
            .ReadAsync<CreatedWebhookDto>(HttpStatusCode.Created);
        Assert.Equal("a-secret-of-my-own-choosing", created.Secret);

        var ping = await tenant.Client.PostAsync($"/api/v1/webhooks/{created.Webhook.Id}/test", null).ReadAsync<WebhookDeliveryDto>(HttpStatusCode.Accepted);
        await receiver.WaitForAcceptedAsync(1, Patience);

        var hook = Assert.Single(receiver.Accepted);
        Assert.Equal(("ping", ping.Id), (hook.EventType, hook.DeliveryId));
        Assert.True(WebhookSignature.Verify(created.Secret, long.Parse(hook.Headers["Baton-Timestamp"], System.Globalization.CultureInfo.InvariantCulture),
            hook.Body, hook.Headers["Baton-Signature"]));
    }

    [Fact]
    public async Task Webhooks_are_listed_changed_redelivered_and_deleted_and_the_secret_is_shown_once()
    {
        await using var receiver = new WebhookReceiver().Start();
        await using var server = await new ServerHarness().StartAsync(WebhookScenario.FastDelivery);
        using var tenant = await WebhookScenario.TenantWithPackageAsync(server);
        var created = await WebhookScenario.CreateWebhookAsync(tenant, receiver.Url);
        Assert.StartsWith("whsec_", created.Secret, StringComparison.Ordinal);
        Assert.Equal(["*"], created.Webhook.Events);
        var listed = await tenant.Client.GetStringAsync("/api/v1/webhooks");
        Assert.DoesNotContain(created.Secret, listed, StringComparison.Ordinal);

        var patched = await tenant.Client.PatchAsJsonAsync($"/api/v1/webhooks/{created.Webhook.Id}", new UpdateWebhookRequest(Events: ["job.cancelled"], Description: "jobs"))
            .ReadAsync<WebhookDto>();
        Assert.Equal(["job.cancelled"], patched.Events);
        Assert.Equal("jobs", patched.Description);
        await tenant.Client.PatchAsJsonAsync($"/api/v1/webhooks/{created.Webhook.Id}", new UpdateWebhookRequest(Events: ["job.exploded"]))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest, ProblemTypes.Validation);

        await WebhookScenario.CancelJobsAsync(tenant, 1);
        await receiver.WaitForAcceptedAsync(1, Patience);
        var first = Assert.Single((await WebhookScenario.DeliveriesAsync(tenant, created.Webhook.Id)).Items);
        var redelivery = await tenant.Client.PostAsync($"/api/v1/webhooks/{created.Webhook.Id}/deliveries/{first.Id}/redeliver", null)
            .ReadAsync<WebhookDeliveryDto>(HttpStatusCode.Accepted);
        await receiver.WaitForAcceptedAsync(2, Patience);
        Assert.Equal(first.Id, redelivery.RedeliveryOf);
        Assert.Equal(receiver.Accepted[0].Body, receiver.Accepted[1].Body);
        Assert.Equal(redelivery.Id, receiver.Accepted[1].DeliveryId);

        await tenant.Client.DeleteAsync($"/api/v1/webhooks/{created.Webhook.Id}").ShouldBeAsync(HttpStatusCode.NoContent);
        await tenant.Client.GetAsync($"/api/v1/webhooks/{created.Webhook.Id}").ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
    }

    [Fact]
    public async Task Viewers_read_but_cannot_write_and_another_tenant_finds_nothing()
    {
        await using var server = await new ServerHarness().StartAsync(WebhookScenario.FastDelivery);
        using var tenant = await server.CreateTenantAsync();
        var created = await WebhookScenario.CreateWebhookAsync(tenant, "http://127.0.0.1:9/hook");
        var id = created.Webhook.Id;
        var viewer = await tenant.Client.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest("viewer", "viewer")).ReadAsync<CreatedApiKeyDto>(HttpStatusCode.Created);
        using var viewerClient = server.Client(viewer.Secret);
        await viewerClient.GetAsync($"/api/v1/webhooks/{id}").ShouldBeAsync(HttpStatusCode.OK);
        await viewerClient.GetAsync($"/api/v1/webhooks/{id}/deliveries").ShouldBeAsync(HttpStatusCode.OK);
        await viewerClient.PostAsJsonAsync("/api/v1/webhooks", new CreateWebhookRequest("http://127.0.0.1:9/x")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        await viewerClient.DeleteAsync($"/api/v1/webhooks/{id}").ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        await viewerClient.PostAsync($"/api/v1/webhooks/{id}/test", null).ShouldBeProblemAsync(HttpStatusCode.Forbidden, ProblemTypes.Forbidden);

        using var other = await server.CreateTenantAsync();
        Assert.Empty((await other.Client.GetAsync("/api/v1/webhooks").ReadAsync<ListResponse<WebhookDto>>()).Items);
        await other.Client.GetAsync($"/api/v1/webhooks/{id}").ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await other.Client.PatchAsJsonAsync($"/api/v1/webhooks/{id}", new UpdateWebhookRequest(Enabled: false)).ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await other.Client.GetAsync($"/api/v1/webhooks/{id}/deliveries").ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await other.Client.PostAsync($"/api/v1/webhooks/{id}/test", null).ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await other.Client.PostAsync($"/api/v1/webhooks/{id}/deliveries/wd_x/redeliver", null).ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await other.Client.DeleteAsync($"/api/v1/webhooks/{id}").ShouldBeProblemAsync(HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await tenant.Client.GetAsync($"/api/v1/webhooks/{id}").ShouldBeAsync(HttpStatusCode.OK);
    }
}
