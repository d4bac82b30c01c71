using System.Globalization;

namespace Baton.Core.Autoscaling.Anomalies;

/// <summary>
/// Anomaly detection for one target (seed 10.4), robust statistics over sliding windows:
/// <list type="bullet">
/// <item><b>Spikes.</b> Each reading, less what scheduled fires explain, is scored against its own window
/// (median and MAD). A spike is held at the window's ordinary upper bound until it has lasted
/// <see cref="AnomalyThresholds.SpikePersistence"/>; a transient one is never scaled for, a persistent one is
/// followed, and one that scheduled fires explain is followed at once.</item>
/// <item><b>Tenant outliers.</b> A tenant submitting far above its own history is flagged; its pending jobs
/// count only up to its usual level (its tier quotas hold it; the fleet is not grown for it).</item>
/// <item><b>Failure storms.</b> A tenant whose recent jobs mostly fail within seconds adds no demand; when the
/// whole fleet is in one, scale-up is held.</item>
/// <item><b>Floods.</b> Requests or authentication failures from one API key or address far above the
/// others and its own history are flagged (answering them with 429 is the rate limiter's job), and their
/// excess is taken out of the request-rate reading.</item>
/// </list>
/// Not thread-safe: one instance per target, driven by its evaluation loop.
/// </summary>
public sealed class AnomalyDetector(AnomalyThresholds thresholds)
{
    private readonly Dictionary<string, SpikeTracker> _readings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SubjectHistory> _tenants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SubjectHistory> _subjects = new(StringComparer.Ordinal);
    private readonly HashSet<string> _stormingTenants = new(StringComparer.Ordinal);
    private bool _fleetStorm;

    public AnomalyThresholds Thresholds => thresholds;

    public AnomalyOutcome Evaluate(AnomalyInput input)
    {
        var now = input.Now;
        var notes = new List<string>();
        var detected = new List<Anomaly>();
        var readings = new Dictionary<string, double>(input.Readings, StringComparer.Ordinal);

        var flaggedTenants = JudgeTenants(input, now, notes, detected, out var excessPending, out var excessRunning, out var stormReason);
        var flaggedSubjects = JudgeRequests(input, now, notes, detected, out var excessRequestsPerSecond);

        if (readings.TryGetValue(TriggerTypes.Name(TriggerType.QueueDepth), out var depth) && excessPending > 0)
        {
            readings[TriggerTypes.Name(TriggerType.QueueDepth)] = Math.Max(0, depth - excessPending);
        }
        if (readings.TryGetValue(TriggerTypes.Name(TriggerType.CPUUtilization), out var cpu) && excessRunning > 0 && input.Slots > 0)
        {
            readings[TriggerTypes.Name(TriggerType.CPUUtilization)] = Math.Max(0, cpu - 100 * excessRunning / input.Slots);
        }
        if (readings.TryGetValue(TriggerTypes.Name(TriggerType.RequestRate), out var rate) && excessRequestsPerSecond > 0)
        {
            readings[TriggerTypes.Name(TriggerType.RequestRate)] = Math.Max(0, rate - excessRequestsPerSecond);
            notes.Add($"{Format(excessRequestsPerSecond)} req/s of flooding not scaled for");
        }

        var scheduledPending = input.Tenants.Sum(t => t.ScheduledPending);
        foreach (var key in readings.Keys.ToList())
        {
            var explained = key == TriggerTypes.Name(TriggerType.QueueDepth) ? scheduledPending : 0;
            if (!_readings.TryGetValue(key, out var tracker)) _readings[key] = tracker = new SpikeTracker(key, thresholds);
            var minimumDeviation = Math.Max(1, input.Scales.GetValueOrDefault(key) * 0.25);
            readings[key] = tracker.Filter(readings[key], explained, minimumDeviation, now, notes, detected);
        }
        return new AnomalyOutcome(readings, notes, detected, stormReason)
        {
            FlaggedTenants = flaggedTenants,
            FlaggedSubjects = flaggedSubjects,
        };
    }

    private List<string> JudgeTenants(AnomalyInput input, DateTimeOffset now, List<string> notes, List<Anomaly> detected, out double excessPending, out double excessRunning, out string? stormReason)
    {
        excessPending = 0;
        excessRunning = 0;
        stormReason = null;
        var flagged = new List<string>();
        int finished = 0, failedFast = 0;
        foreach (var tenant in input.Tenants)
        {
            finished += tenant.FinishedRecently;
            failedFast += tenant.FailedFastRecently;
            if (!_tenants.TryGetValue(tenant.Tenant, out var history)) _tenants[tenant.Tenant] = history = new SubjectHistory(thresholds.SubjectWindow);

            // A failure storm: its pending jobs will fail in seconds, more agents would only fail them faster.
            var storming = tenant.FinishedRecently >= thresholds.StormMinimumFinished
                && tenant.FailedFastRecently >= thresholds.StormFailedShare * tenant.FinishedRecently;
            if (storming)
            {
                excessPending += tenant.Pending;
                excessRunning += tenant.Running;
                notes.Add($"tenant {tenant.Tenant}: {tenant.FailedFastRecently} of {tenant.FinishedRecently} recent jobs failed within seconds (failure storm): its {Format(tenant.Pending)} pending not scaled for");
                if (_stormingTenants.Add(tenant.Tenant))
                {
                    detected.Add(new Anomaly(now, AnomalyKinds.FailureStorm, tenant.Tenant, tenant.FailedFastRecently, tenant.FinishedRecently, 0,
                        $"{tenant.FailedFastRecently} of {tenant.FinishedRecently} recent jobs failed within seconds; its pending jobs are not scaled for"));
                }
                flagged.Add(tenant.Tenant);
                continue;
            }
            _stormingTenants.Remove(tenant.Tenant);

            var rates = history.Values;
            var outlier = rates.Count >= thresholds.MinimumSamples
                && tenant.SubmittedPerMinute >= thresholds.MinimumOutlierRate
                && rates.Score(tenant.SubmittedPerMinute) > thresholds.OutlierScore;
            // A flagged tenant stays flagged until the backlog of its burst is gone, not just its submissions.
            var unscheduledPending = Math.Max(0, tenant.Pending - tenant.ScheduledPending);
            outlier |= history.FlaggedSince is not null && history.Levels.Count > 0 && unscheduledPending > history.Levels.UpperBound(3);
            if (outlier && history.FlaggedSince is { } since && now - since >= thresholds.RelearnAfter)
            {
                // Flagged for hours: this is the tenant's new normal, learn it.
                history.Values.Clear();
                history.Levels.Clear();
                history.Running.Clear();
                history.FlaggedSince = null;
                outlier = false;
            }
            if (outlier)
            {
                var usual = rates.Median;
                var cap = history.Levels.Count > 0 ? history.Levels.UpperBound(3) : 0;
                var counted = Math.Min(unscheduledPending, cap);
                excessPending += unscheduledPending - counted;
                excessRunning += Math.Max(0, tenant.Running - (history.Running.Count > 0 ? history.Running.UpperBound(3) : 0));
                if (history.FlaggedSince is null)
                {
                    history.FlaggedSince = now;
                    detected.Add(new Anomaly(now, AnomalyKinds.TenantOutlier, tenant.Tenant, tenant.SubmittedPerMinute, usual, rates.Score(tenant.SubmittedPerMinute),
                        $"submits {Format(tenant.SubmittedPerMinute)}/min against its usual {Format(usual)}/min; its pending jobs count up to {Format(cap)} (its quotas hold the rest)"));
                }
                notes.Add($"tenant {tenant.Tenant} is an outlier ({Format(tenant.SubmittedPerMinute)}/min vs usual {Format(usual)}/min): {Format(unscheduledPending - counted)} of its {Format(tenant.Pending)} pending not scaled for");
                flagged.Add(tenant.Tenant);
                continue;
            }
            history.FlaggedSince = null;
            if (history.ShouldSample(now))
            {
                history.Values.Add(tenant.SubmittedPerMinute);
                history.Levels.Add(Math.Max(0, tenant.Pending - tenant.ScheduledPending));
                history.Running.Add(tenant.Running);
            }
        }

        var fleetStorm = finished >= thresholds.StormMinimumFinished && failedFast >= thresholds.StormFailedShare * finished;
        if (fleetStorm)
        {
            stormReason = $"failure storm: {failedFast} of {finished} recent jobs failed within seconds";
            if (!_fleetStorm) detected.Add(new Anomaly(now, AnomalyKinds.FailureStorm, "fleet", failedFast, finished, 0, stormReason + "; scale-up held"));
        }
        _fleetStorm = fleetStorm;
        return flagged;
    }

    private List<string> JudgeRequests(AnomalyInput input, DateTimeOffset now, List<string> notes, List<Anomaly> detected, out double excessPerSecond)
    {
        excessPerSecond = 0;
        var flagged = new List<string>();
        if (input.Requests.Count == 0) return flagged;
        var population = input.Requests.Select(r => r.RequestsPerMinute).Order().ToList();
        var usualRate = Math.Max(1, population[population.Count / 2]);
        foreach (var subject in input.Requests)
        {
            if (!_subjects.TryGetValue(subject.Subject, out var history)) _subjects[subject.Subject] = history = new SubjectHistory(thresholds.SubjectWindow);
            var ownScore = history.Values.Count >= thresholds.MinimumSamples ? history.Values.Score(subject.RequestsPerMinute) : double.PositiveInfinity;
            var flood = subject.RequestsPerMinute >= thresholds.MinimumFloodRate
                && subject.RequestsPerMinute >= thresholds.FloodOverPopulation * usualRate
                && ownScore > thresholds.OutlierScore;
            var authScore = history.Levels.Count >= thresholds.MinimumSamples ? history.Levels.Score(subject.AuthFailuresPerMinute) : double.PositiveInfinity;
            var authFlood = subject.AuthFailuresPerMinute >= thresholds.AuthFailureFlood && authScore > thresholds.OutlierScore;
            if (flood)
            {
                excessPerSecond += (subject.RequestsPerMinute - usualRate) / 60;
                if (history.FlaggedSince is null)
                {
                    detected.Add(new Anomaly(now, AnomalyKinds.RequestFlood, subject.Subject, subject.RequestsPerMinute, usualRate, ownScore,
                        $"{Format(subject.RequestsPerMinute)} requests/min against {Format(usualRate)}/min for a typical caller"));
                }
                notes.Add($"{subject.Subject} floods {Format(subject.RequestsPerMinute)} requests/min");
            }
            if (authFlood && !history.AuthFlagged)
            {
                detected.Add(new Anomaly(now, AnomalyKinds.AuthFailureFlood, subject.Subject, subject.AuthFailuresPerMinute, history.Levels.Count > 0 ? history.Levels.Median : 0, authScore,
                    $"{Format(subject.AuthFailuresPerMinute)} authentication failures/min"));
            }
            history.AuthFlagged = authFlood;
            if (flood || authFlood)
            {
                history.FlaggedSince ??= now;
                flagged.Add(subject.Subject);
                continue;
            }
            history.FlaggedSince = null;
            if (history.ShouldSample(now))
            {
                history.Values.Add(subject.RequestsPerMinute);
                history.Levels.Add(subject.AuthFailuresPerMinute);
            }
        }
        return flagged;
    }

    internal static string Format(double value) => value.ToString(Math.Abs(value) >= 100 ? "0" : "0.#", CultureInfo.InvariantCulture);

    /// <summary>A tenant's or a subject's own history, sampled at most once a minute: a rate, and a level (pending jobs, auth failures).</summary>
    private sealed class SubjectHistory(int capacity)
    {
        private DateTimeOffset _lastSample = DateTimeOffset.MinValue;

        public RobustWindow Values { get; } = new(capacity);
        public RobustWindow Levels { get; } = new(capacity);
        public RobustWindow Running { get; } = new(capacity);
        public DateTimeOffset? FlaggedSince { get; set; }
        public bool AuthFlagged { get; set; }

        public bool ShouldSample(DateTimeOffset now)
        {
            if (now - _lastSample < TimeSpan.FromMinutes(1)) return false;
            _lastSample = now;
            return true;
        }
    }

    /// <summary>One reading's window and its spike in progress.</summary>
    private sealed class SpikeTracker(string key, AnomalyThresholds thresholds)
    {
        private readonly RobustWindow _window = new(thresholds.ReadingWindow);
        private DateTimeOffset? _spikeSince;

        public double Filter(double value, double explained, double minimumDeviation, DateTimeOffset now, List<string> notes, List<Anomaly> detected)
        {
            var residual = Math.Max(0, value - explained);
            if (_window.Count < thresholds.MinimumSamples)
            {
                _window.Add(residual);
                return value;
            }
            var score = _window.Score(residual, minimumDeviation);
            if (score <= thresholds.OutlierScore)
            {
                _spikeSince = null;
                _window.Add(residual);
                return value;
            }
            var usual = _window.Median;
            if (_spikeSince is null)
            {
                _spikeSince = now;
                detected.Add(new Anomaly(now, AnomalyKinds.Spike, key, value, usual, score,
                    $"{key} jumped to {Format(value)} (usual {Format(usual)}, score {Format(score)}); followed only if it lasts {thresholds.SpikePersistence.TotalSeconds:0}s"));
            }
            var lasted = now - _spikeSince.Value;
            if (lasted >= thresholds.SpikePersistence)
            {
                // It persisted: it is the new level. Learn it and follow it.
                _window.Add(residual);
                notes.Add($"{key} spike lasted {lasted.TotalSeconds:0}s: followed");
                return value;
            }
            var held = explained + _window.UpperBound(thresholds.OutlierScore, minimumDeviation);
            notes.Add($"{key} {Format(value)} is a spike (usual {Format(usual)}) for {lasted.TotalSeconds:0}s of {thresholds.SpikePersistence.TotalSeconds:0}s: read as {Format(held)}");
            return held;
        }
    }
}
