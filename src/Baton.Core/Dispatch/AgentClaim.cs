namespace Baton.Core.Dispatch;

/// <summary>
/// One agent's part of a batched claim: what it can take (<see cref="Budget"/>) and which jobs it can run.
/// Parts with the same <see cref="AgentKey"/> are one agent's: what an earlier part took comes off the
/// later parts' free CPU and memory.
/// </summary>
public sealed record AgentClaim<T>(AgentBudget Budget, Func<T, bool> CanRun, string? AgentKey = null);
