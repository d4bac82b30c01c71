using System.Net;
using System.Net.Http.Json;
using Baton.Core.Api;

namespace Baton.Server.Tests.Support;

/// <summary>Helpers for webhook tests: a tenant with a package, webhooks, and events made by cancelling pending jobs.</summary>
public static class WebhookScenario
{
    public static async Task<TestTenant> TenantWithPackageAsync(ServerHarness server)
    {
        var tenant = await server.CreateTenantAsync();
        await tenant.Client.PostAsync("/api/v1/packages", TestPackages.Content(TestPackages.Hello())).ShouldBeAsync(HttpStatusCode.Created);
        return tenant;
    }

    public static Task<CreatedWebhookDto> CreateWebhookAsync(TestTenant tenant, string url, params string[] events) =>
        tenant.Client.PostAsJsonAsync("/api/v1/webhooks", new CreateWebhookRequest(url, events.Length == 0 ? null : events))
            .ReadAsync<CreatedWebhookDto>(HttpStatusCode.Created);

    /// <summary>Submits and cancels <paramref name="count"/> jobs: one <c>job.cancelled</c> event each. Returns the job ids.</summary>
    public static async Task<IReadOnlyList<string>> CancelJobsAsync(TestTenant tenant, int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var job = await tenant.Client.PostAsJsonAsync("/api/v1/jobs", new SubmitJobRequest("hello")).ReadAsync<JobDto>(HttpStatusCode.Created);
            await tenant.Client.PostAsync($"/api/v1/jobs/{job.Id}/cancel", null).ShouldBeAsync(HttpStatusCode.OK);
            ids.Add(job.Id);
        }
        return ids;
    }

    public static Task<ListResponse<WebhookDeliveryDto>> DeliveriesAsync(TestTenant tenant, string webhookId) =>
        tenant.Client.GetAsync($"/api/v1/webhooks/{webhookId}/deliveries?limit=200").ReadAsync<ListResponse<WebhookDeliveryDto>>();

    /// <summary>Fast notifier settings for tests: loopback allowed, quick polls, retries in a fraction of a second.</summary>
    public static void FastDelivery(Hosting.ServerOptions o)
    {
        o.Webhooks.AllowPrivateTargets = true;
        o.Webhooks.PollInterval = TimeSpan.FromMilliseconds(100);
        o.Webhooks.RetryBaseDelay = TimeSpan.FromMilliseconds(100);
        o.Webhooks.RetryMaxDelay = TimeSpan.FromMilliseconds(400);
        o.Webhooks.Timeout = TimeSpan.FromSeconds(5);
        o.Webhooks.Lease = TimeSpan.FromSeconds(10);
    }
}
