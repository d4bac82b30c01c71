using System.Net;
using System.Net.Sockets;

namespace Baton.Server.Hosting;

/// <summary>A listen address is taken by another process: said in one line, with what to do.</summary>
public sealed class PortInUseException(string url, Exception? inner = null)
    : IOException($"{url} is already in use by another program (another Baton?): stop it, or start on another port with --port.", inner)
{
    public string Url { get; } = url;
}

/// <summary>
/// Binds each listen address for a moment before the server writes anything: a first start on a busy port
/// then fails before it creates the default tenant and its key, not after (which lost the key for good).
/// </summary>
public static class ListenPorts
{
    /// <summary>Throws <see cref="PortInUseException"/> for the first address of <paramref name="urls"/> (";"-separated) that cannot be bound.</summary>
    public static void EnsureFree(string urls)
    {
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Kestrel's wildcard hosts (*, +) are not valid URI hosts.
            if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal),
                    UriKind.Absolute, out var uri) || uri.Port <= 0) continue;
            var address = uri.Host is "localhost" ? IPAddress.Loopback
                : IPAddress.TryParse(uri.Host.Trim('[', ']'), out var parsed) ? parsed : null;
            if (address is null) continue;
            var listener = new TcpListener(address, uri.Port);
            try
            {
                listener.Start();
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
            {
                throw new PortInUseException(url, e);
            }
            finally
            {
                listener.Stop();
            }
        }
    }

    /// <summary>Kestrel's own bind failure (a race after <see cref="EnsureFree"/>) as the same one line.</summary>
    public static bool IsAddressInUse(Exception e) =>
        e is IOException && e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException;
}
