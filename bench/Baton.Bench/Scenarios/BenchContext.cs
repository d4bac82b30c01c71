using Baton.Bench.Hosting;

namespace Baton.Bench.Scenarios;

/// <summary>What a scenario runs against: the server, its benchmark tenant, a client pool for the agents, and where to report progress.</summary>
public sealed record BenchContext(
    BenchTarget Target,
    BenchTenant Tenant,
    HttpClient AgentHttp,
    BenchSettings Settings,
    TimeProvider Time,
    Action<string> Progress);
