namespace Baton.Core.Autoscaling;

/// <summary>What the engine remembers about a target between evaluations (persisted by the autoscaler role).</summary>
public sealed record ScalingState(
    DateTimeOffset? LastScaleUpAt,
    DateTimeOffset? LastScaleDownAt,
    IReadOnlyDictionary<string, DateTimeOffset> BelowSince)
{
    public static readonly ScalingState Empty = new(null, null, new Dictionary<string, DateTimeOffset>());

    public DateTimeOffset? LastChangeAt => (LastScaleUpAt, LastScaleDownAt) switch
    {
        ({ } up, { } down) => up > down ? up : down,
        ({ } up, null) => up,
        (null, { } down) => down,
        _ => null,
    };
}

/// <summary>One evaluation's input: the replicas the provider has now, the readings by trigger key, and what the forecast asks for.</summary>
public sealed record ScalingInput(int CurrentReplicas, IReadOnlyDictionary<string, double> Readings, DateTimeOffset Now)
{
    /// <summary>The forecast's replica count (forecast-and-scale: a floor; forecast-only: reported). Null without a forecast.</summary>
    public int? ForecastReplicas { get; init; }

    /// <summary>How the forecast reached <see cref="ForecastReplicas"/>, for the explanation.</summary>
    public string? ForecastNote { get; init; }

    /// <summary>What the anomaly filter changed in the readings (flagged tenants, ignored spikes), for the explanation.</summary>
    public IReadOnlyList<string> AnomalyNotes { get; init; } = [];

    /// <summary>Why no scale-up may happen now (a failure storm), or null.</summary>
    public string? ScaleUpHeld { get; init; }
}

public enum ScaleDirection
{
    None,
    Up,
    Down,
}

/// <summary>How one trigger voted.</summary>
public enum TriggerVerdict
{
    NoData,
    Up,
    UpCoolingDown,
    Hold,
    Down,
}

/// <summary>One trigger's reading, what it wanted and why.</summary>
public sealed record TriggerEvaluation(
    string Trigger,
    TriggerVerdict Verdict,
    double? Reading,
    double? PerReplica,
    double Threshold,
    double ScaleDownThreshold,
    int Wanted,
    string Explanation);

/// <summary>
/// The engine's answer: the size wanted, the rule that decided it, every trigger's vote, one human
/// sentence ("queue depth 340 &gt; 100 × 2 agents → +2; next scale-up after 12:04"), and the state to keep.
/// </summary>
public sealed record ScalingDecision(
    string Target,
    DateTimeOffset At,
    int From,
    int To,
    ScaleDirection Direction,
    string Rule,
    IReadOnlyList<TriggerEvaluation> Triggers,
    string Explanation,
    DateTimeOffset? NextScaleUpAt,
    DateTimeOffset? NextScaleDownAt,
    ScalingState State)
{
    public int? ForecastReplicas { get; init; }

    public bool Changes => To != From;
}
