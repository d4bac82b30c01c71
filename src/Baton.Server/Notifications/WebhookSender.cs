using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Baton.Server.Hosting;
using Baton.Storage.Model;
using Microsoft.Extensions.Options;

namespace Baton.Server.Notifications;

/// <summary>The outcome of one HTTP attempt.</summary>
public sealed record WebhookSendOutcome(bool Delivered, int? StatusCode, string? Error, int DurationMs);

/// <summary>
/// Sends one signed delivery: POST of the stored body with the Baton-* headers. Redirects are not
/// followed (a redirect could point anywhere); every connection goes through <see cref="WebhookTargetGuard"/>.
/// </summary>
public sealed class WebhookSender : IDisposable
{
    private readonly HttpClient _http;
    private readonly TimeProvider _time;

    public WebhookSender(WebhookTargetGuard guard, IOptions<ServerOptions> options, TimeProvider time)
    {
        _time = time;
        var timeout = options.Value.Webhooks.Timeout;
        _http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = guard.ConnectAsync,
            AllowAutoRedirect = false,
            UseProxy = false,
            ConnectTimeout = timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        })
        {
            Timeout = timeout,
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Baton-Webhooks", "1"));
    }

    public async Task<WebhookSendOutcome> SendAsync(ClaimedDelivery claimed, CancellationToken ct)
    {
        var delivery = claimed.Delivery;
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, claimed.Url)
        {
            Content = new StringContent(delivery.Body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(WebhookSignature.EventHeader, delivery.EventType);
        request.Headers.Add(WebhookSignature.DeliveryHeader, delivery.Id);
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Compute(claimed.Secret, timestamp, delivery.Body));

        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            var status = (int)response.StatusCode;
            var ok = response.IsSuccessStatusCode;
            return new WebhookSendOutcome(ok, status, ok ? null : $"HTTP {status} {response.ReasonPhrase}", Elapsed(clock));
        }
        catch (HttpRequestException e)
        {
            return new WebhookSendOutcome(false, null, e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message, Elapsed(clock));
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return new WebhookSendOutcome(false, null, $"no answer within {_http.Timeout.TotalSeconds:0.#} s", Elapsed(clock));
        }
    }

    private static int Elapsed(Stopwatch clock) => (int)Math.Min(int.MaxValue, clock.ElapsedMilliseconds);

    public void Dispose() => _http.Dispose();
}
