using System.Globalization;

namespace Baton.Core.Autoscaling;

/// <summary>
/// Decides a target's size from its policy, its triggers' readings and what it remembers. Pure: the
/// caller supplies the time and keeps <see cref="ScalingDecision.State"/>.
/// <list type="bullet">
/// <item>A trigger above its threshold (per replica for totals) wants <c>current + incrementSize</c>,
/// once its scale-up cooldown since the last scale-up has passed; the largest wanted size wins.</item>
/// <item>Scale-down needs <em>every</em> trigger below its scale-down threshold, each for its whole scale-down
/// cooldown, and that cooldown passed since the last change in either direction; it removes the smallest
/// decrement, and never so many replicas that a trigger would land above its scale-up threshold.</item>
/// <item>A trigger without a reading holds the size (no data is not idleness).</item>
/// <item>Limits always hold; a forecast (forecast-and-scale) is a floor, capped by <c>maxReplicas</c>.</item>
/// </list>
/// The gap between the two thresholds, the per-trigger wait below the lower one and the projection check are
/// what keep a noisy metric from flapping the size.
/// </summary>
public static class ScalingEngine
{
    public static ScalingDecision Decide(ScalingPolicy policy, ScalingState state, ScalingInput input)
    {
        var now = input.Now;
        var n = Math.Max(0, input.CurrentReplicas);
        var noun = policy.Target.ReplicaNoun;
        var below = new Dictionary<string, DateTimeOffset>(state.BelowSince);
        var evaluations = new List<TriggerEvaluation>(policy.Triggers.Count);
        foreach (var trigger in policy.Triggers)
        {
            evaluations.Add(Evaluate(trigger, state, input, n, noun, below));
        }
        foreach (var stale in below.Keys.Where(k => policy.Triggers.All(t => t.ReadingKey != k)).ToList()) below.Remove(stale);

        var limits = policy.Limits;
        var forecastFloor = policy.Predictive.Mode == PredictiveMode.ForecastAndScale && input.ForecastReplicas is { } f ? limits.Clamp(f) : (int?)null;
        int to;
        string rule;
        string explanation;
        var direction = ScaleDirection.None;
        var upCooldown = policy.Triggers.Min(t => t.Up.Cooldown);
        var ups = evaluations.Where(e => e.Verdict == TriggerVerdict.Up).ToList();

        if (n < limits.MinReplicas)
        {
            to = limits.MinReplicas;
            rule = "minReplicas";
            explanation = $"{n} {noun} < minReplicas {limits.MinReplicas} → +{to - n}";
        }
        else if (n > limits.MaxReplicas)
        {
            to = limits.MaxReplicas;
            rule = "maxReplicas";
            explanation = $"{n} {noun} > maxReplicas {limits.MaxReplicas} → -{n - to}";
        }
        else if (ups.Count > 0 && input.ScaleUpHeld is { } held)
        {
            to = n;
            rule = "anomaly";
            explanation = $"{ups.MaxBy(e => e.Wanted)!.Explanation}, but scale-up held: {held}";
        }
        else if (ups.Count > 0)
        {
            var winner = ups.MaxBy(e => e.Wanted)!;
            var winnerTrigger = policy.Triggers.First(t => t.ReadingKey == winner.Trigger);
            to = Math.Min(limits.MaxReplicas, winner.Wanted);
            rule = winner.Trigger;
            upCooldown = winnerTrigger.Up.Cooldown;
            explanation = to > n
                ? $"{winner.Explanation} → +{to - n}; next scale-up after {Clock(now + upCooldown)}"
                : $"{winner.Explanation}, but already at maxReplicas {limits.MaxReplicas}";
        }
        else
        {
            (to, rule, explanation) = ConsiderScaleDown(policy, state, evaluations, below, n, now, noun);
        }

        if (forecastFloor is { } floor && floor > to)
        {
            var wasDown = to < n;
            to = floor;
            rule = "forecast";
            explanation = wasDown && floor >= n
                ? $"scale-down held: the forecast needs {floor} {noun} ({input.ForecastNote})"
                : $"forecast needs {floor} {noun} ({input.ForecastNote}) → {Signed(floor - n)}";
            if (floor == n) explanation = $"held at {n} {noun}: the forecast needs them ({input.ForecastNote})";
        }
        else if (input.ForecastReplicas is { } reported && policy.Predictive.Mode == PredictiveMode.ForecastOnly)
        {
            explanation += $"; forecast (not acted on): {reported} {noun} ({input.ForecastNote})";
        }
        if (input.AnomalyNotes.Count > 0) explanation += "; " + string.Join("; ", input.AnomalyNotes);

        var up = state.LastScaleUpAt;
        var down = state.LastScaleDownAt;
        if (to > n)
        {
            direction = ScaleDirection.Up;
            up = now;
        }
        else if (to < n)
        {
            direction = ScaleDirection.Down;
            down = now;
        }
        var newState = new ScalingState(up, down, below);
        var nextUp = up is { } u ? u + upCooldown : (DateTimeOffset?)null;
        var nextDown = newState.LastChangeAt is { } changed ? changed + policy.Triggers.Max(t => t.Down.Cooldown) : (DateTimeOffset?)null;
        return new ScalingDecision(policy.Target.Key, now, n, to, direction, rule, evaluations, explanation,
            nextUp > now ? nextUp : null, nextDown > now ? nextDown : null, newState)
        {
            ForecastReplicas = input.ForecastReplicas,
        };
    }

    private static TriggerEvaluation Evaluate(
        ScalingTrigger trigger, ScalingState state, ScalingInput input, int n, string noun, Dictionary<string, DateTimeOffset> below)
    {
        var key = trigger.ReadingKey;
        var name = trigger.Describe();
        if (!input.Readings.TryGetValue(key, out var value) || !double.IsFinite(value))
        {
            below.Remove(key);
            return new TriggerEvaluation(key, TriggerVerdict.NoData, null, null, trigger.Threshold, trigger.ScaleDownThreshold, n, $"{name}: no reading, size held");
        }
        var perReplica = PerReplica(trigger, value, n);
        var scope = trigger.Reading == ReadingKind.Total ? $" × {n} {noun}" : "";
        // From zero replicas any queued work activates the target (a threshold per replica means nothing at zero).
        var activate = n == 0 && trigger.Reading == ReadingKind.Total && value > 0;
        if (perReplica > trigger.Threshold || activate)
        {
            below.Remove(key);
            var text = activate
                ? $"{name} {Number(value)} with 0 {noun}"
                : $"{name} {Number(value)} > {Number(trigger.Threshold)}{scope}";
            var readyAt = state.LastScaleUpAt is { } last ? last + trigger.Up.Cooldown : DateTimeOffset.MinValue;
            if (input.Now >= readyAt)
            {
                return new TriggerEvaluation(key, TriggerVerdict.Up, value, perReplica, trigger.Threshold, trigger.ScaleDownThreshold, n + trigger.Up.Size, text);
            }
            return new TriggerEvaluation(key, TriggerVerdict.UpCoolingDown, value, perReplica, trigger.Threshold, trigger.ScaleDownThreshold, n,
                $"{text}, scale-up cooling down until {Clock(readyAt)}");
        }
        if (perReplica < trigger.ScaleDownThreshold)
        {
            if (!below.ContainsKey(key)) below[key] = input.Now;
            return new TriggerEvaluation(key, TriggerVerdict.Down, value, perReplica, trigger.Threshold, trigger.ScaleDownThreshold,
                Math.Max(0, n - trigger.Down.Size), $"{name} {Number(value)} < {Number(trigger.ScaleDownThreshold)}{scope}");
        }
        below.Remove(key);
        return new TriggerEvaluation(key, TriggerVerdict.Hold, value, perReplica, trigger.Threshold, trigger.ScaleDownThreshold, n,
            $"{name} {Number(value)} within {Number(trigger.ScaleDownThreshold)}–{Number(trigger.Threshold)}{scope}");
    }

    private static (int To, string Rule, string Explanation) ConsiderScaleDown(
        ScalingPolicy policy, ScalingState state, List<TriggerEvaluation> evaluations, Dictionary<string, DateTimeOffset> below,
        int n, DateTimeOffset now, string noun)
    {
        var limits = policy.Limits;
        var blocking = evaluations.FirstOrDefault(e => e.Verdict != TriggerVerdict.Down);
        if (blocking is not null) return (n, "hold", $"holding {n} {noun}: {blocking.Explanation}");
        if (n <= limits.MinReplicas)
        {
            return (n, "minReplicas", $"holding {n} {noun}: at minReplicas {limits.MinReplicas} ({string.Join(", ", evaluations.Select(e => e.Explanation))})");
        }

        // Every trigger is below: each must have stayed there for its cooldown, and that long must have passed since the last change.
        var readyAt = DateTimeOffset.MinValue;
        foreach (var trigger in policy.Triggers)
        {
            var stableAt = below[trigger.ReadingKey] + trigger.Down.Cooldown;
            var cooledAt = state.LastChangeAt is { } changed ? changed + trigger.Down.Cooldown : DateTimeOffset.MinValue;
            var ready = stableAt > cooledAt ? stableAt : cooledAt;
            if (ready > readyAt) readyAt = ready;
        }
        var reasons = string.Join(", ", evaluations.Select(e => e.Explanation));
        if (now < readyAt) return (n, "hold", $"{reasons}; scale-down waits until {Clock(readyAt)}");

        var to = Math.Max(limits.MinReplicas, n - policy.Triggers.Min(t => t.Down.Size));
        // Never remove so many that the same readings would ask for a scale-up at once.
        while (to < n && policy.Triggers.Zip(evaluations).Any(p => p.Second.PerReplica * PerReplicaFactor(p.First, n, to) > p.First.Threshold)) to++;
        if (to == n) return (n, "hold", $"{reasons}, but one replica fewer would pass a scale-up threshold");
        var cooldown = policy.Triggers.Max(t => t.Down.Cooldown);
        return (to, "scale-down", $"{reasons} → -{n - to}; next scale-down after {Clock(now + cooldown)}");
    }

    private static double PerReplica(ScalingTrigger trigger, double value, int n) =>
        trigger.Reading == ReadingKind.Total ? value / Math.Max(1, n) : value;

    // Both a total divided by replicas and an average over replicas grow by n / to when replicas go from n to `to`.
    private static double PerReplicaFactor(ScalingTrigger trigger, int n, int to) => to <= 0 ? double.PositiveInfinity : (double)n / to;

    private static string Signed(int delta) => delta >= 0 ? $"+{delta}" : delta.ToString(CultureInfo.InvariantCulture);

    /// <summary>A time in an explanation: 12:04, or 12:04:30 when seconds matter (UTC).</summary>
    public static string Clock(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        return utc.ToString(utc.Second == 0 ? "HH:mm" : "HH:mm:ss", CultureInfo.InvariantCulture);
    }

    public static string Number(double value)
    {
        var rounded = Math.Abs(value) >= 100 ? Math.Round(value) : Math.Round(value, 2);
        // Adding zero turns -0 into 0, which would otherwise print as "-0".
        return (rounded + 0.0).ToString(Math.Abs(value) >= 100 ? "0" : "0.##", CultureInfo.InvariantCulture);
    }
}
