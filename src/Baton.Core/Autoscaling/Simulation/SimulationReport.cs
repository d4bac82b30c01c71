namespace Baton.Core.Autoscaling.Simulation;

/// <summary>How a replay runs: agent boot time, slots, and which parts of the autoscaler take part.</summary>
public sealed record SimulationOptions
{
    /// <summary>From the provider's start to the agent taking work (the predictive lead time is measured from this).</summary>
    public TimeSpan AgentStartDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Slots per agent; null takes the policy's <c>predictive.slotsPerReplica</c>, else the local provider's <c>slots</c>, else 4.</summary>
    public int? SlotsPerAgent { get; init; }

    /// <summary>False replays with predictive scaling off, whatever the policy says (reactive alone).</summary>
    public bool Predictive { get; init; } = true;

    /// <summary>False replays without the anomaly detector.</summary>
    public bool Anomalies { get; init; } = true;

    /// <summary>Most jobs of one tenant running at once (its tier's concurrent-jobs quota); null = no cap.</summary>
    public int? TenantConcurrency { get; init; }

    /// <summary>How long a failing job runs before it fails.</summary>
    public TimeSpan FastFailure { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long after the last row the replay goes on at most, for the queue to drain and the fleet to shrink.</summary>
    public TimeSpan Tail { get; init; } = TimeSpan.FromHours(2);

    public string Label { get; init; } = "";
}

/// <summary>One minute of the replay, for the chart.</summary>
public sealed record TimelinePoint(DateTimeOffset At, int Agents, int ReadyAgents, int Pending, int BusySlots, int? ForecastReplicas);

/// <summary>What a replay cost and gave: agent-minutes, job waits, every scale event and anomaly, and a per-minute timeline.</summary>
public sealed record SimulationReport(
    string Label,
    DateTimeOffset Start,
    DateTimeOffset End,
    double AgentMinutes,
    int Jobs,
    double WaitP50Seconds,
    double WaitP95Seconds,
    double WaitP99Seconds,
    double MaxWaitSeconds,
    int PeakAgents,
    IReadOnlyList<ScalingDecision> ScaleEvents,
    IReadOnlyList<Anomalies.Anomaly> Anomalies,
    IReadOnlyList<TimelinePoint> Timeline)
{
    /// <summary>Each tenant's p95 job wait in seconds: shows whom a flagged tenant's backlog made wait.</summary>
    public IReadOnlyDictionary<string, double> WaitP95ByTenant { get; init; } = new Dictionary<string, double>();
}
