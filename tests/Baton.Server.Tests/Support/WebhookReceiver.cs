using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Baton.Server.Tests.Support;

/// <summary>One request the receiver saw, with the status it answered.</summary>
public sealed record ReceivedWebhook(IReadOnlyDictionary<string, string> Headers, string Body, int AnsweredStatus)
{
    public string DeliveryId => Headers["Baton-Delivery"];
    public string EventType => Headers["Baton-Event"];
    public long EventId => JsonDocument.Parse(Body).RootElement.GetProperty("id").GetInt64();
    public bool Accepted => AnsweredStatus is >= 200 and < 300;
}

/// <summary>
/// A real HTTP receiver (HttpListener) on a fixed loopback port: it can be down (port closed),
/// answer an error status, or accept. Records every request it sees.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private HttpListener? _listener;
    private Task? _loop;

    public WebhookReceiver()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
    }

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}/hook";
    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();
    public int Status { get; set; } = 200;

    public IReadOnlyList<ReceivedWebhook> Accepted => [.. Received.Where(r => r.Accepted)];

    public WebhookReceiver Start()
    {
        _listener = new HttpListener();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = ServeAsync(_listener);
        return this;
    }

    /// <summary>Closes the port: senders get connection refused.</summary>
    public async Task StopAsync()
    {
        if (_listener is null) return;
        _listener.Close();
        try
        {
            await _loop!;
        }
        catch (HttpListenerException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        _listener = null;
    }

    /// <summary>Waits (checking every 50 ms) until <paramref name="condition"/> holds; fails after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout) Assert.Fail($"Timed out after {timeout.TotalSeconds} s waiting for {what}.");
            await Task.Delay(50);
        }
    }

    public Task WaitForAcceptedAsync(int count, TimeSpan? timeout = null) =>
        WaitUntilAsync(() => Task.FromResult(Accepted.Count >= count), timeout ?? TimeSpan.FromSeconds(30), $"{count} accepted deliveries (have {Accepted.Count})");

    private async Task ServeAsync(HttpListener listener)
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            using var reader = new StreamReader(context.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.AllKeys.Where(k => k is not null)
                .ToDictionary(k => k!, k => context.Request.Headers[k] ?? "", StringComparer.OrdinalIgnoreCase);
            var status = Status;
            Received.Enqueue(new ReceivedWebhook(headers, body, status));
            context.Response.StatusCode = status;
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
