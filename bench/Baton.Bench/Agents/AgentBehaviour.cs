namespace Baton.Bench.Agents;

/// <summary>How a simulated agent treats the jobs it gets and how it polls.</summary>
public sealed record AgentBehaviour(string Mode, int PollWaitSeconds, TimeSpan HeartbeatInterval)
{
    public const string CompleteMode = "complete";
    public const string HoldMode = "hold";

    /// <summary>Log lines each completed job sends with its completion (as a short job's whole log), and their length.</summary>
    public int LogLines { get; init; }

    public int LogLineBytes { get; init; } = 100;

    /// <summary>Start and complete each job at once; long-poll like the real agent.</summary>
    public static AgentBehaviour CompleteAtOnce { get; } = new(CompleteMode, 20, TimeSpan.FromSeconds(5));

    /// <summary>Start each job and keep it running, reporting it in every poll; heartbeat every few seconds when full.</summary>
    public static AgentBehaviour HoldJobs { get; } = new(HoldMode, 20, TimeSpan.FromSeconds(3));
}
