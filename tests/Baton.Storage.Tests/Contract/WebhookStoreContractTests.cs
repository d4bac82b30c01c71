using System.Text.Json;
using Baton.Storage.Model;

namespace Baton.Storage.Tests.Contract;

/// <summary>Webhooks, the fan-out of events into deliveries, delivery claims under a lease, and attempts.</summary>
public abstract class WebhookStoreContractTests : StoreContractTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    private Task<TenantEventRecord?> AppendAsync(string tenant, string type, string subject = "s") =>
        Store.Events.AppendAsync(new NewTenantEvent(tenant, type, subject, JsonSerializer.SerializeToElement(new { subject })), null, Ct);

    private Task<WebhookRecord> CreateWebhookAsync(string tenant, string id, IReadOnlyList<string>? types = null, bool enabled = true) =>
        Store.Webhooks.CreateAsync(new WebhookRecord(tenant, id, "https://example.com/hook", "secret-" + id, types ?? ["*"], enabled, "test",
            Time.GetUtcNow(), Time.GetUtcNow(), 0), Ct);

    [Fact]
    public async Task Webhooks_are_created_read_updated_and_deleted_within_their_tenant()
    {
        var acme = await CreateTenantAsync("acme");
        var globex = await CreateTenantAsync("globex");
        var created = await CreateWebhookAsync(acme, "wh_1", [TenantEventTypes.JobFailed]);

        Assert.Equal([TenantEventTypes.JobFailed], created.EventTypes);
        Assert.Null(await Store.Webhooks.GetAsync(globex, "wh_1", Ct));
        Assert.Empty(await Store.Webhooks.ListAsync(globex, Ct));
        Assert.Null(await Store.Webhooks.UpdateAsync(globex, "wh_1", new WebhookUpdate(Enabled: false), Time.GetUtcNow(), Ct));
        Assert.False(await Store.Webhooks.DeleteAsync(globex, "wh_1", Ct));

        Time.Advance(TimeSpan.FromMinutes(1));
        var updated = await Store.Webhooks.UpdateAsync(acme, "wh_1", new WebhookUpdate(EventTypes: ["*"], Enabled: false), Time.GetUtcNow(), Ct);
        Assert.Equal(["*"], updated!.EventTypes);
        Assert.Equal((false, "https://example.com/hook", Time.GetUtcNow()), (updated.Enabled, updated.Url, updated.UpdatedAt));
        Assert.True(await Store.Webhooks.DeleteAsync(acme, "wh_1", Ct));
        Assert.Empty(await Store.Webhooks.ListAsync(acme, Ct));
    }

    [Fact]
    public async Task Fan_out_creates_one_delivery_per_subscribed_event_from_the_webhooks_creation_on()
    {
        var acme = await CreateTenantAsync("acme");
        var globex = await CreateTenantAsync("globex");
        await AppendAsync(acme, TenantEventTypes.JobFailed, "before");
        await CreateWebhookAsync(acme, "wh_failed", [TenantEventTypes.JobFailed]);
        await CreateWebhookAsync(acme, "wh_all");
        await CreateWebhookAsync(acme, "wh_off", enabled: false);
        await AppendAsync(acme, TenantEventTypes.JobFailed, "j-1");
        await AppendAsync(acme, TenantEventTypes.JobSucceeded, "j-2");
        await AppendAsync(globex, TenantEventTypes.JobFailed, "other");

        Assert.Equal(3, await Store.Webhooks.FanOutAsync(100, 500, Ct));
        Assert.Equal(0, await Store.Webhooks.FanOutAsync(100, 500, Ct));

        var failed = await Store.Webhooks.ListDeliveriesAsync(acme, "wh_failed", 50, null, Ct);
        var delivery = Assert.Single(failed);
        Assert.Equal((2L, TenantEventTypes.JobFailed, DeliveryState.Pending, 0), (delivery.EventId, delivery.EventType, delivery.State, delivery.Attempts));
        using var body = JsonDocument.Parse(delivery.Body);
        Assert.Equal("j-1", body.RootElement.GetProperty("subjectId").GetString());
        Assert.Equal(acme, body.RootElement.GetProperty("tenantId").GetString());
        Assert.Equal("j-1", body.RootElement.GetProperty("data").GetProperty("subject").GetString());
        Assert.Equal(2, (await Store.Webhooks.ListDeliveriesAsync(acme, "wh_all", 50, null, Ct)).Count);
        Assert.Empty(await Store.Webhooks.ListDeliveriesAsync(acme, "wh_off", 50, null, Ct));
        Assert.Empty(await Store.Webhooks.ListDeliveriesAsync(globex, "wh_all", 50, null, Ct));
    }

    [Fact]
    public async Task A_claim_leases_each_due_delivery_to_one_claimer_until_it_is_recorded_or_the_lease_ends()
    {
        var tenant = await CreateTenantAsync("acme");
        await CreateWebhookAsync(tenant, "wh_1");
        for (var i = 0; i < 20; i++) await AppendAsync(tenant, TenantEventTypes.AgentOnline, "a-" + i);
        await Store.Webhooks.FanOutAsync(100, 500, Ct);

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Store.Webhooks.ClaimDueAsync(5, Lease, Ct)));
        var claimed = claims.SelectMany(c => c).ToList();

        Assert.Equal(20, claimed.Count);
        Assert.Equal(20, claimed.Select(c => c.Delivery.Id).Distinct().Count());
        Assert.All(claimed, c => Assert.Equal((1, "https://example.com/hook", "secret-wh_1"), (c.Delivery.Attempts, c.Url, c.Secret)));
        Assert.Empty(await Store.Webhooks.ClaimDueAsync(50, Lease, Ct));

        var first = claimed[0];
        Assert.True(await Store.Webhooks.RecordAttemptAsync(new DeliveryAttemptResult(first.Delivery.Id, first.LeaseToken, true, 200, null, 12, null), Ct));
        Assert.False(await Store.Webhooks.RecordAttemptAsync(new DeliveryAttemptResult(first.Delivery.Id, first.LeaseToken, false, 500, "again", 1, Time.GetUtcNow()), Ct));
        var second = claimed[1];
        Assert.True(await Store.Webhooks.RecordAttemptAsync(new DeliveryAttemptResult(
            second.Delivery.Id, second.LeaseToken, false, 503, "HTTP 503", 7, Time.GetUtcNow() + TimeSpan.FromSeconds(10)), Ct));

        Time.Advance(Lease + TimeSpan.FromSeconds(1));
        var again = await Store.Webhooks.ClaimDueAsync(50, Lease, Ct);
        Assert.Equal(19, again.Count);
        Assert.Equal(2, again.Single(c => c.Delivery.Id == second.Delivery.Id).Delivery.Attempts);
        Assert.False(await Store.Webhooks.RecordAttemptAsync(new DeliveryAttemptResult(claimed[2].Delivery.Id, claimed[2].LeaseToken, true, 200, null, 1, null), Ct));

        var delivered = await Store.Webhooks.GetDeliveryAsync(tenant, "wh_1", first.Delivery.Id, Ct);
        Assert.Equal((DeliveryState.Delivered, 200, 12), (delivered!.State, delivered.LastStatusCode, delivered.LastDurationMs));
        Assert.NotNull(delivered.DeliveredAt);
    }

    [Fact]
    public async Task A_delivery_given_up_is_failed_and_a_redelivery_is_a_new_delivery_due_now()
    {
        var tenant = await CreateTenantAsync("acme");
        await CreateWebhookAsync(tenant, "wh_1");
        await AppendAsync(tenant, TenantEventTypes.JobFailed);
        await Store.Webhooks.FanOutAsync(100, 500, Ct);
        var claimed = Assert.Single(await Store.Webhooks.ClaimDueAsync(5, Lease, Ct));
        await Store.Webhooks.RecordAttemptAsync(new DeliveryAttemptResult(claimed.Delivery.Id, claimed.LeaseToken, false, null, "connection refused", 3, null), Ct);

        var failed = await Store.Webhooks.GetDeliveryAsync(tenant, "wh_1", claimed.Delivery.Id, Ct);
        Assert.Equal((DeliveryState.Failed, "connection refused"), (failed!.State, failed.LastError));
        Assert.Null(await Store.Webhooks.GetDeliveryAsync(await CreateTenantAsync("globex"), "wh_1", claimed.Delivery.Id, Ct));

        var copy = await Store.Webhooks.AddDeliveryAsync(new NewDelivery(
            tenant, DeliveryIds.New(Time.GetUtcNow()), "wh_1", failed.EventId, failed.EventType, failed.Body, failed.Id), Ct);
        Assert.Equal((DeliveryState.Pending, failed.Body, failed.Id, 1L), (copy.State, copy.Body, copy.RedeliveryOf, copy.EventId!.Value));
        Assert.Equal(copy.Id, Assert.Single(await Store.Webhooks.ClaimDueAsync(5, Lease, Ct)).Delivery.Id);
        Assert.Equal(2, (await Store.Webhooks.ListDeliveriesAsync(tenant, "wh_1", 50, null, Ct)).Count);
    }

    [Fact]
    public async Task Deliveries_of_a_disabled_webhook_wait_and_deleting_it_removes_them()
    {
        var tenant = await CreateTenantAsync("acme");
        await CreateWebhookAsync(tenant, "wh_1");
        await AppendAsync(tenant, TenantEventTypes.JobFailed);
        await Store.Webhooks.FanOutAsync(100, 500, Ct);
        await Store.Webhooks.UpdateAsync(tenant, "wh_1", new WebhookUpdate(Enabled: false), Time.GetUtcNow(), Ct);

        Assert.Empty(await Store.Webhooks.ClaimDueAsync(5, Lease, Ct));
        await Store.Webhooks.UpdateAsync(tenant, "wh_1", new WebhookUpdate(Enabled: true), Time.GetUtcNow(), Ct);
        Assert.Single(await Store.Webhooks.ClaimDueAsync(5, Lease, Ct));
        Assert.True(await Store.Webhooks.DeleteAsync(tenant, "wh_1", Ct));
        Assert.Empty(await Store.Webhooks.ListDeliveriesAsync(tenant, "wh_1", 50, null, Ct));
    }
}
