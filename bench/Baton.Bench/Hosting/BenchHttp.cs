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

    public static HttpClient CreateClient(Uri baseAddress) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 30_000,
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
