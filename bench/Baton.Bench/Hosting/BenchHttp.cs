using System.Net;
using System.Text.Json;

namespace Baton.Bench.Hosting;

/// <summary>
/// One connection pool for every simulated agent and API caller: thousands of agents share it, so the
/// simulators cost sockets and tasks, never a thread each.
/// </summary>
public static class BenchHttp
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// The connections one tenant's API callers (submissions, reads) open at most: like a few hundred clients, each with
    /// a connection of its own. Open-loop calls beyond it wait in the client (their latency counts from the intended send
    /// time), rather than opening tens of thousands of sockets — which measured the load generator, not the server.
    /// </summary>
    public const int ApiConnections = 512;

    /// <summary>Thousands of agents each keep a connection.</summary>
    public const int AgentConnections = 30_000;

    public static HttpClient CreateClient(Uri baseAddress, int maxConnections = AgentConnections) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = maxConnections,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
        ConnectTimeout = TimeSpan.FromSeconds(30),
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        UseProxy = false,
    })
    {
        BaseAddress = baseAddress,
        // A long-poll is held at most ~20 s; anything slower is a failure worth counting.
        Timeout = TimeSpan.FromSeconds(60),
    };
}
