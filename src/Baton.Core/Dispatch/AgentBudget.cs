namespace Baton.Core.Dispatch;

/// <summary>
/// What one agent can take in one claim. <see cref="FreeCpuMillicores"/> / <see cref="FreeMemoryMb"/>
/// are the agent's reported resources minus the requests of the jobs it holds; null when the agent
/// reports none, in which case only jobs that request none of that resource fit.
/// </summary>
public sealed record AgentBudget(
    int Slots,
    string Group,
    int? FreeCpuMillicores,
    long? FreeMemoryMb,
    IReadOnlySet<string> CachedPackages)
{
    public bool Fits(int cpuMillicores, long memoryMb, int usedCpu, long usedMemory) =>
        (cpuMillicores <= 0 || (FreeCpuMillicores is { } cpu && cpuMillicores <= cpu - usedCpu)) &&
        (memoryMb <= 0 || (FreeMemoryMb is { } memory && memoryMb <= memory - usedMemory));
}
