using System.Net;
using System.Net.Sockets;
using Baton.Core.Networking;
using Baton.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Baton.Server.Notifications;

/// <summary>
/// The server-side request forgery guard for webhook targets: http(s) only, and no address in IANA's
/// special-purpose registries (<see cref="SpecialPurposeAddresses"/>: loopback, private, link-local and cloud
/// metadata, documentation, IPv6 forms carrying such IPv4 addresses, …) unless the configuration allows it. Checked when a webhook is saved and again
/// at connect time on the address actually dialled, so a DNS answer that changes later cannot slip past.
/// </summary>
public sealed class WebhookTargetGuard
{
    private readonly bool _allowAll;
    private readonly IPNetwork[] _allowed;

    public WebhookTargetGuard(IOptions<ServerOptions> options)
    {
        var webhooks = options.Value.Webhooks;
        _allowAll = webhooks.AllowPrivateTargets;
        _allowed = [.. webhooks.AllowedNetworks.Select(IPNetwork.Parse)];
    }

    /// <summary>Null when the address may be dialled; else why not.</summary>
    public string? Refusal(IPAddress address)
    {
        if (_allowAll || IsAllowed(address)) return null;
        return SpecialPurposeAddresses.Classify(address) is { } what
            ? $"{address} is {what}, not a public address (allow it with Baton:Server:Webhooks:AllowPrivateTargets or AllowedNetworks)"
            : null;
    }

    /// <summary>An allowed network matches the address or the IPv4 address it carries.</summary>
    private bool IsAllowed(IPAddress address) =>
        _allowed.Any(n => n.Contains(address))
        || (SpecialPurposeAddresses.EmbeddedIPv4(address) is { } embedded && _allowed.Any(n => n.Contains(embedded.Address)));

    /// <summary>
    /// Checks a target URL as it would be dialled now; null when it is acceptable, else (reason, detail). A host that
    /// does not resolve is acceptable (checked again at delivery); one resolving to a forbidden address is not.
    /// </summary>
    public async Task<(string Reason, string Detail)?> CheckUrlAsync(string? url, CancellationToken ct)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return ("invalid-url", "url must be an absolute http:// or https:// URL.");
        }
        if (!string.IsNullOrEmpty(uri.UserInfo)) return ("invalid-url", "url must not carry credentials; use the signing secret to authenticate deliveries.");
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(uri.IdnHost, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(uri.IdnHost, ct);
        }
        catch (SocketException)
        {
            // A name that does not resolve yet (DNS not set up, or not visible from here) is no error: it is resolved
            // at every delivery, where the connect callback checks the address actually dialled.
            return null;
        }
        foreach (var address in addresses)
        {
            if (Refusal(address) is { } why) return ("target-not-allowed", $"Webhook target '{uri.Host}' refused: {why}.");
        }
        return null;
    }

    /// <summary>The <see cref="SocketsHttpHandler.ConnectCallback"/>: resolves, refuses forbidden addresses, connects to an allowed one.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        var refusals = new List<string>();
        foreach (var address in addresses)
        {
            if (Refusal(address) is { } why)
            {
                refusals.Add(why);
                continue;
            }
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                refusals.Add($"{address}: {e.Message}");
            }
        }
        throw new HttpRequestException(refusals.Count == 0
            ? $"The host '{host}' has no addresses."
            : $"Cannot connect to '{host}': {string.Join("; ", refusals)}");
    }
}
