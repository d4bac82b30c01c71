using System.Text.Json;
using Baton.Server.Notifications;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.Notifications;

/// <summary>Deliveries to a real local HTTP receiver: signed, retried through an outage, kept across a restart, never doubled.</summary>
public sealed class WebhookDeliveryTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Every_delivery_is_signed_and_names_its_event_and_job()
    {
        await using var receiver = new WebhookReceiver().Start();
        await using var server = await new ServerHarness().StartAsync(WebhookScenario.FastDelivery);
        using var tenant = await WebhookScenario.TenantWithPackageAsync(server);
        var webhook = await WebhookScenario.CreateWebhookAsync(tenant, receiver.Url, "job.cancelled");

        var jobs = await WebhookScenario.CancelJobsAsync(tenant, 3);
        await receiver.WaitForAcceptedAsync(3, Patience);

        var received = receiver.Accepted;
        Assert.Equal(3, received.Count);
        foreach (var hook in received)
        {
            var timestamp = long.Parse(hook.Headers["Baton-Timestamp"], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(WebhookSignature.Verify(webhook.Secret, timestamp, hook.Body, hook.Headers["Baton-Signature"]), "the signature must verify");
            Assert.False(WebhookSignature.Verify(webhook.Secret + "x", timestamp, hook.Body, hook.Headers["Baton-Signature"]));
            Assert.InRange(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds() - timestamp, -5, 60);
            Assert.Equal("job.cancelled", hook.EventType);
            Assert.StartsWith("application/json", hook.Headers["Content-Type"], StringComparison.Ordinal);
        }
        var payloads = received.Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
        Assert.Equal(jobs.Order(StringComparer.Ordinal), payloads.Select(p => p.GetProperty("data").GetProperty("jobId").GetString()).Order(StringComparer.Ordinal));
        Assert.All(payloads, p => Assert.Equal("hello", p.GetProperty("data").GetProperty("package").GetString()));
        Assert.All(payloads, p => Assert.Equal(tenant.Tenant.Id, p.GetProperty("tenantId").GetString()));
        Assert.Equal(3, received.Select(r => r.DeliveryId).Distinct().Count());

        var log = await WebhookScenario.DeliveriesAsync(tenant, webhook.Webhook.Id);
        Assert.All(log.Items, d => Assert.Equal(("delivered", 1, 200), (d.State, d.Attempts, d.StatusCode!.Value)));
    }

    [Fact]
    public async Task A_receiver_down_then_failing_then_back_gets_every_event_exactly_once()
    {
        await using var receiver = new WebhookReceiver(); // not started: the port is closed
        await using var server = await new ServerHarness().StartAsync(WebhookScenario.FastDelivery);
        using var tenant = await WebhookScenario.TenantWithPackageAsync(server);
        var webhook = await WebhookScenario.CreateWebhookAsync(tenant, receiver.Url);

        await WebhookScenario.CancelJobsAsync(tenant, 5);
        await WebhookReceiver.WaitUntilAsync(async () =>
        {
            var log = await WebhookScenario.DeliveriesAsync(tenant, webhook.Webhook.Id);
            return log.Items.Count == 5 && log.Items.All(d => d.Attempts >= 2 && d.State == "pending" && d.Error is not null);
        }, Patience, "every delivery to have failed twice against the closed port");

        receiver.Status = 503;
        receiver.Start();
        await WebhookReceiver.WaitUntilAsync(() => Task.FromResult(receiver.Received.Count >= 5), Patience, "503 answers");
        receiver.Status = 200;
        await receiver.WaitForAcceptedAsync(5, Patience);
        await WebhookReceiver.WaitUntilAsync(async () =>
            (await WebhookScenario.DeliveriesAsync(tenant, webhook.Webhook.Id)).Items.All(d => d.State == "delivered"), Patience, "all delivered");

        var accepted = receiver.Accepted;
        Assert.Equal(5, accepted.Count);
        Assert.Equal(5, accepted.Select(r => r.DeliveryId).Distinct().Count());
        Assert.Equal(5, accepted.Select(r => r.EventId).Distinct().Count());
        var log = await WebhookScenario.DeliveriesAsync(tenant, webhook.Webhook.Id);
        Assert.All(log.Items, d => Assert.True(d.Attempts >= 3, $"delivery {d.Id} took {d.Attempts} attempts"));
        Assert.Contains(receiver.Received, r => r.AnsweredStatus == 503);
    }

    [Fact]
    public async Task A_server_restart_while_the_receiver_is_down_loses_nothing()
    {
        var data = Path.Combine(Path.GetTempPath(), "baton-webhook-restart-" + Guid.NewGuid().ToString("N"));
        await using var receiver = new WebhookReceiver();
        string webhookId;
        TestTenant tenant;
        await using (var first = await new ServerHarness(data).StartAsync(WebhookScenario.FastDelivery))
        {
            tenant = await WebhookScenario.TenantWithPackageAsync(first);
            webhookId = (await WebhookScenario.CreateWebhookAsync(tenant, receiver.Url, "job.cancelled")).Webhook.Id;
            await WebhookScenario.CancelJobsAsync(tenant, 4);
            await WebhookReceiver.WaitUntilAsync(async () => (await WebhookScenario.DeliveriesAsync(tenant, webhookId)).Items.Count == 4,
                Patience, "the deliveries to be persisted");
        }

        receiver.Start();
        await using var second = await new ServerHarness(data).StartAsync(WebhookScenario.FastDelivery);
        using var again = new TestTenant(tenant.Tenant, tenant.AdminKey, second.Client(tenant.AdminKey));
        await receiver.WaitForAcceptedAsync(4, Patience);
        await WebhookReceiver.WaitUntilAsync(async () =>
            (await WebhookScenario.DeliveriesAsync(again, webhookId)).Items.All(d => d.State == "delivered"), Patience, "all delivered");

        Assert.Equal(4, receiver.Accepted.Select(r => r.EventId).Distinct().Count());
        Assert.Equal(4, receiver.Accepted.Count);
        tenant.Dispose();
        Directory.Delete(data, recursive: true);
    }
}
