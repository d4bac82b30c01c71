using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Baton.Core.Api;
using Baton.Server.Notifications;
using Baton.Server.Tests.Support;

namespace Baton.Server.Tests.Secrets;

/// <summary>Webhooks with known secrets, pings, and a check that a ping arrived signed with the expected secret.</summary>
internal static class SecretsTestSupport
{
    public static string NewSecret(string label) => $"whsec_{label}_{Guid.NewGuid():N}";

    public static Task<CreatedWebhookDto> CreateWebhookAsync(TestTenant tenant, string url, string secret) =>
        tenant.Client.PostAsJsonAsync("/api/v1/webhooks", new CreateWebhookRequest(url, ["*"], secret)).ReadAsync<CreatedWebhookDto>(HttpStatusCode.Created);

    /// <summary>Sends a test ping to <paramref name="webhookId"/> and asserts it arrives signed with <paramref name="secret"/>.</summary>
    public static async Task AssertPingSignedWithAsync(HttpClient client, WebhookReceiver receiver, string webhookId, string secret)
    {
        var ping = await client.PostAsync($"/api/v1/webhooks/{webhookId}/test", null).ReadAsync<WebhookDeliveryDto>(HttpStatusCode.Accepted);
        await WebhookReceiver.WaitUntilAsync(() => Task.FromResult(receiver.Received.Any(r => r.DeliveryId == ping.Id)),
            TimeSpan.FromSeconds(30), $"ping {ping.Id} to arrive");
        var received = receiver.Received.First(r => r.DeliveryId == ping.Id);
        var timestamp = long.Parse(received.Headers[WebhookSignature.TimestampHeader], CultureInfo.InvariantCulture);
        Assert.True(WebhookSignature.Verify(secret, timestamp, received.Body, received.Headers[WebhookSignature.SignatureHeader]),
            "the ping must be signed with the webhook's secret");
    }
}
