using System.Globalization;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Baton.Core.Api;

namespace Baton.Cli.Http;

// Webhooks and the tenant's events.
public sealed partial class BatonApiClient
{
    public Task<CreatedWebhookDto> CreateWebhookAsync(CreateWebhookRequest request, CancellationToken ct) =>
        SendJsonAsync<CreatedWebhookDto>(HttpMethod.Post, "api/v1/webhooks", request, ct);

    public Task<ListResponse<WebhookDto>> ListWebhooksAsync(CancellationToken ct) => GetAsync<ListResponse<WebhookDto>>("api/v1/webhooks", ct);

    public Task DeleteWebhookAsync(string id, CancellationToken ct) => DeleteAsync($"api/v1/webhooks/{Segment(id)}", ct);

    public Task<ListResponse<WebhookDeliveryDto>> ListDeliveriesAsync(string webhookId, int limit, CancellationToken ct) =>
        GetAsync<ListResponse<WebhookDeliveryDto>>($"api/v1/webhooks/{Segment(webhookId)}/deliveries?limit={limit.ToString(CultureInfo.InvariantCulture)}", ct);

    public Task<WebhookDeliveryDto> RedeliverAsync(string webhookId, string deliveryId, CancellationToken ct) =>
        SendJsonAsync<WebhookDeliveryDto>(HttpMethod.Post, $"api/v1/webhooks/{Segment(webhookId)}/deliveries/{Segment(deliveryId)}/redeliver", body: null, ct);

    public Task<WebhookDeliveryDto> TestWebhookAsync(string webhookId, CancellationToken ct) =>
        SendJsonAsync<WebhookDeliveryDto>(HttpMethod.Post, $"api/v1/webhooks/{Segment(webhookId)}/test", body: null, ct);

    public Task<EventPageDto> ListEventsAsync(long after, IReadOnlyList<string> types, int limit, CancellationToken ct) =>
        GetAsync<EventPageDto>($"api/v1/events?after={after.ToString(CultureInfo.InvariantCulture)}&limit={limit.ToString(CultureInfo.InvariantCulture)}{TypesQuery(types)}", ct);

    /// <summary>
    /// Follows the tenant's events as server-sent events: after <paramref name="after"/>, or from now on when null.
    /// The sequence ends if the connection closes; the caller reconnects after the last id it saw.
    /// </summary>
    public async IAsyncEnumerable<TenantEventDto> StreamEventsAsync(long? after, IReadOnlyList<string> types, [EnumeratorCancellation] CancellationToken ct)
    {
        var query = after is { } position ? "?after=" + position.ToString(CultureInfo.InvariantCulture) + TypesQuery(types) : types.Count > 0 ? "?" + TypesQuery(types)[1..] : "";
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/events/stream" + query);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout: null, ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var parser = SseParser.Create(body, static (_, data) => JsonSerializer.Deserialize(data, BatonJson.Wire.InfoOf<TenantEventDto>()));
        await foreach (var item in parser.EnumerateAsync(ct))
        {
            if (item.Data is { } tenantEvent) yield return tenantEvent;
        }
    }

    private static string TypesQuery(IReadOnlyList<string> types) =>
        types.Count == 0 ? "" : "&types=" + Uri.EscapeDataString(string.Join(',', types));
}
