namespace Baton.Core.Autoscaling.Anomalies;

/// <summary>
/// One tenant's activity at an evaluation: its pending jobs (and how many of them schedules fired), the rate of
/// its submissions that no schedule made (fires are expected, never an outlier), and its recent endings.
/// </summary>
public sealed record TenantActivity(string Tenant, double Pending, double SubmittedPerMinute, int FinishedRecently, int FailedFastRecently)
{
    public double ScheduledPending { get; init; }

    /// <summary>Jobs of the tenant running now (their share of the slots is taken out of CPU readings while it is an outlier).</summary>
    public double Running { get; init; }
}

/// <summary>Requests and authentication failures per minute from one subject: <c>key:ID</c> or <c>address:IP</c>.</summary>
public sealed record RequestActivity(string Subject, double RequestsPerMinute, double AuthFailuresPerMinute);

/// <summary>What the detector sees at one evaluation.</summary>
public sealed record AnomalyInput(DateTimeOffset Now, IReadOnlyDictionary<string, double> Readings)
{
    public IReadOnlyList<TenantActivity> Tenants { get; init; } = [];
    public IReadOnlyList<RequestActivity> Requests { get; init; } = [];

    /// <summary>The level at which each reading matters (its trigger's threshold): a jump well below it is not worth calling a spike.</summary>
    public IReadOnlyDictionary<string, double> Scales { get; init; } = new Dictionary<string, double>();

    /// <summary>Slots of the ready replicas, to turn an outlier's running jobs into CPU points; 0 = unknown.</summary>
    public int Slots { get; init; }
}

/// <summary>
/// The readings the engine should act on, what was changed and why, the anomalies that started at this
/// evaluation (to record and publish), and a reason to hold any scale-up (a failure storm).
/// </summary>
public sealed record AnomalyOutcome(
    IReadOnlyDictionary<string, double> Readings,
    IReadOnlyList<string> Notes,
    IReadOnlyList<Anomaly> Detected,
    string? ScaleUpHeld)
{
    public IReadOnlyCollection<string> FlaggedTenants { get; init; } = [];
    public IReadOnlyCollection<string> FlaggedSubjects { get; init; } = [];
}

/// <summary>Thresholds of the detector; the defaults are what the docs state.</summary>
public sealed record AnomalyThresholds
{
    /// <summary>Robust z-score above which a value is an outlier.</summary>
    public double OutlierScore { get; init; } = 6;
    /// <summary>How long a spike must last before the autoscaler follows it.</summary>
    public TimeSpan SpikePersistence { get; init; } = TimeSpan.FromMinutes(3);
    /// <summary>Samples of a reading's window (one per evaluation).</summary>
    public int ReadingWindow { get; init; } = 240;
    /// <summary>Samples before a window judges anything.</summary>
    public int MinimumSamples { get; init; } = 10;
    /// <summary>Per-minute samples of a tenant's or a subject's own history.</summary>
    public int SubjectWindow { get; init; } = 240;
    /// <summary>A tenant below this many submissions a minute is never an outlier (small numbers are noisy).</summary>
    public double MinimumOutlierRate { get; init; } = 10;
    /// <summary>After this long flagged, a tenant's new level is learned as its history.</summary>
    public TimeSpan RelearnAfter { get; init; } = TimeSpan.FromHours(6);
    /// <summary>Endings needed before a failure storm is judged, and the share of them failing fast that makes one.</summary>
    public int StormMinimumFinished { get; init; } = 20;
    public double StormFailedShare { get; init; } = 0.5;
    /// <summary>Requests a minute from one subject below which it is never a flood, and how many times the others' median it must reach.</summary>
    public double MinimumFloodRate { get; init; } = 300;
    public double FloodOverPopulation { get; init; } = 10;
    /// <summary>Authentication failures a minute from one subject that make a flood.</summary>
    public double AuthFailureFlood { get; init; } = 30;

    public static AnomalyThresholds From(AnomalySettings settings) => new()
    {
        OutlierScore = settings.OutlierScore,
        SpikePersistence = settings.SpikePersistence,
    };
}
