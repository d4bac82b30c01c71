using Baton.Core.AgentProtocol;

namespace Baton.Core.Api;

public sealed record AgentDto(
    string Id,
    string Name,
    string State,
    string Os,
    string Arch,
    IReadOnlyList<PythonInterpreterInfo> Pythons,
    IReadOnlyDictionary<string, string> Labels,
    int Slots,
    int RunningJobs,
    AgentResources Resources,
    string Version,
    DateTimeOffset RegisteredAt,
    DateTimeOffset? LastHeartbeatAt,
    string Group = "default");
