using Baton.Bench.Hosting;

namespace Baton.Bench.Scenarios;

/// <summary>
/// What a scenario runs against: the server, its benchmark tenant, a client pool for the agents, and where to report progress.
/// <see cref="Cli"/>: the <c>baton</c> CLI, for scenarios that start real agent processes (null when unknown).
/// </summary>
public sealed record BenchContext(
    BenchTarget Target,
    BenchTenant Tenant,
    HttpClient AgentHttp,
    BenchSettings Settings,
    TimeProvider Time,
    Action<string> Progress)
{
    public ServerCommandLine? Cli { get; init; }
}
