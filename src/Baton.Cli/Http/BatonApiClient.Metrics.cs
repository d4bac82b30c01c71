using Baton.Core.Api;

namespace Baton.Cli.Http;

// The system's metrics, for `baton status`.
public sealed partial class BatonApiClient
{
    public Task<SystemMetricsResponse> GetSystemMetricsAsync(CancellationToken ct) => GetAsync<SystemMetricsResponse>("api/v1/system/metrics", ct);
}
