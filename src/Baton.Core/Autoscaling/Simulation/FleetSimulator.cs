using Baton.Core.Autoscaling.Anomalies;
using Baton.Core.Autoscaling.Forecasting;

namespace Baton.Core.Autoscaling.Simulation;

/// <summary>
/// Replays a load trace through the real <see cref="ScalingEngine"/>, <see cref="CapacityPlanner"/> and
/// <see cref="AnomalyDetector"/> in virtual time: one-second ticks of a <see cref="VirtualClock"/>, agents that
/// take <see cref="SimulationOptions.AgentStartDelay"/> to become ready and that drain (finish their jobs,
/// take no new one) when scaled down, a free slot going to the tenant with the fewest running jobs (fair
/// share, as the dispatcher's shared pool), oldest job first, within the tenant's concurrency cap. Nothing sleeps: a week
/// replays in seconds.
/// </summary>
public sealed class FleetSimulator
{
    private readonly ScalingPolicy _policy;
    private readonly SimulationOptions _options;
    private readonly VirtualClock _clock;
    private readonly int _slots;
    private readonly List<SimAgent> _agents = [];
    private int _pendingCount;
    private readonly PriorityQueue<SimJob, long> _running = new();
    private readonly List<double> _waits = [];
    private readonly List<ScalingDecision> _events = [];
    private readonly List<Anomaly> _anomalies = [];
    private readonly List<TimelinePoint> _timeline = [];
    private readonly DemandHistory _history = new();
    private readonly RunTimeEstimator _runTimes;
    private readonly AnomalyDetector? _detector;
    private readonly Dictionary<string, TenantCounters> _tenants = new(StringComparer.Ordinal);
    private readonly Queue<(long Tick, string Tenant, string Key, int Count, bool Scheduled)> _recentSubmissions = new();
    private readonly Queue<(long Tick, string Tenant, bool FailedFast)> _recentEndings = new();
    private readonly Queue<double> _busyShare = new();
    private double _busyShareSum;
    private ScalingState _state = ScalingState.Empty;
    private int? _lastForecast;
    private int _nextAgentId;

    public FleetSimulator(ScalingPolicy policy, SimulationOptions options, DateTimeOffset start)
    {
        _policy = options.Predictive ? policy : policy with { Predictive = policy.Predictive with { Mode = PredictiveMode.Off } };
        _options = options;
        _clock = new VirtualClock(start);
        _slots = options.SlotsPerAgent
            ?? (policy.Predictive.Mode != PredictiveMode.Off ? policy.Predictive.SlotsPerReplica : (int?)null)
            ?? (int.TryParse(policy.Provider.Setting("slots"), out var slots) ? slots : 4);
        _runTimes = new RunTimeEstimator(TimeSpan.FromMinutes(1));
        _detector = options.Anomalies && policy.Anomaly.Enabled ? new AnomalyDetector(AnomalyThresholds.From(policy.Anomaly)) : null;
    }

    public static SimulationReport Run(ScalingPolicy policy, IReadOnlyList<TraceRow> trace, SimulationOptions options)
    {
        var start = new DateTimeOffset(trace[0].At.Ticks - trace[0].At.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
        return new FleetSimulator(policy, options, start).Replay(trace);
    }

    private TimeSpan LeadTime => _policy.Predictive.LeadTime ?? _options.AgentStartDelay + _policy.EvaluationInterval;

    private SimulationReport Replay(IReadOnlyList<TraceRow> trace)
    {
        var start = _clock.GetUtcNow();
        var scheduled = trace.Where(r => r.Scheduled).ToList();
        var evaluateEvery = (long)_policy.EvaluationInterval.TotalSeconds;
        var lastRow = trace[^1].At;
        var next = 0;
        var nextScheduled = 0;
        var lastBucket = DemandHistory.BucketOf(start);
        for (var i = 0; i < _policy.Limits.MinReplicas; i++) StartAgent(ready: true);

        for (long tick = 0; ; tick++)
        {
            var now = _clock.GetUtcNow();
            while (next < trace.Count && trace[next].At <= now) Submit(trace[next++], tick);
            Finish(tick);
            foreach (var agent in _agents.Where(a => !a.Ready && a.ReadyAtTick <= tick)) agent.Ready = true;
            Dispatch(tick);
            foreach (var agent in _agents.Where(a => a.Draining && a.Running == 0 && a.ExitedAtTick is null)) agent.ExitedAtTick = tick;
            SampleBusyShare();

            var bucket = DemandHistory.BucketOf(now);
            if (bucket != lastBucket)
            {
                _history.Observe(lastBucket, bucket);
                lastBucket = bucket;
            }
            if (tick % evaluateEvery == 0)
            {
                while (nextScheduled < scheduled.Count && scheduled[nextScheduled].At < now) nextScheduled++;
                Evaluate(tick, scheduled, nextScheduled);
            }
            if (tick % 60 == 0) Sample(now);

            var done = next >= trace.Count && _pendingCount == 0 && _running.Count == 0 && Active().Count() <= _policy.Limits.MinReplicas;
            if (done || now > lastRow + _options.Tail) break;
            _clock.Advance(TimeSpan.FromSeconds(1));
        }
        return Report(start);
    }

    private void Submit(TraceRow row, long tick)
    {
        var counters = Tenant(row.Tenant);
        var failing = (int)Math.Round(row.Submissions * row.Failing);
        for (var i = 0; i < row.Submissions; i++)
        {
            var fails = i < failing;
            counters.Queue.Enqueue(new SimJob(row.Tenant, tick, fails ? _options.FastFailure : row.Duration, row.Scheduled, fails));
        }
        _pendingCount += row.Submissions;
        counters.Pending += row.Submissions;
        if (row.Scheduled) counters.ScheduledPending += row.Submissions;
        _recentSubmissions.Enqueue((tick, row.Tenant, row.Key, row.Submissions, row.Scheduled));
        // Scheduled work is known ahead from the fires; only the rest is history to forecast from.
        if (!row.Scheduled) _history.Add(row.At, row.Submissions * row.Duration.TotalSeconds);
    }

    private void Finish(long tick)
    {
        while (_running.TryPeek(out var job, out var end) && end <= tick)
        {
            _running.Dequeue();
            job.Agent!.Running--;
            Tenant(job.Tenant).Running--;
            _recentEndings.Enqueue((tick, job.Tenant, job.FailsFast));
            if (job.Scheduled && !job.FailsFast) _runTimes.Record(job.Tenant + "/scheduled", job.Duration);
        }
    }

    private void Dispatch(long tick)
    {
        if (_pendingCount == 0) return;
        var cap = _options.TenantConcurrency ?? int.MaxValue;
        foreach (var agent in _agents)
        {
            if (!agent.Ready || agent.Draining) continue;
            while (agent.Running < _slots)
            {
                // Fair share: the tenant with the fewest running jobs (then the oldest waiting job) takes the slot.
                TenantCounters? next = null;
                foreach (var candidate in _tenants.Values)
                {
                    if (candidate.Queue.Count == 0 || candidate.Running >= cap) continue;
                    if (next is null || candidate.Running < next.Running
                        || (candidate.Running == next.Running && candidate.Queue.Peek().SubmittedTick < next.Queue.Peek().SubmittedTick))
                    {
                        next = candidate;
                    }
                }
                if (next is null) return;
                var job = next.Queue.Dequeue();
                _pendingCount--;
                job.Agent = agent;
                agent.Running++;
                _waits.Add(tick - job.SubmittedTick);
                next.Waits.Add(tick - job.SubmittedTick);
                next.Pending--;
                next.Running++;
                if (job.Scheduled) next.ScheduledPending--;
                _running.Enqueue(job, tick + Math.Max(1, (long)Math.Ceiling(job.Duration.TotalSeconds)));
            }
        }
    }

    private void Evaluate(long tick, List<TraceRow> scheduled, int nextScheduled)
    {
        var now = _clock.GetUtcNow();
        while (_recentSubmissions.TryPeek(out var s) && s.Tick <= tick - 60) _recentSubmissions.Dequeue();
        while (_recentEndings.TryPeek(out var e) && e.Tick <= tick - 300) _recentEndings.Dequeue();

        var ready = _agents.Where(a => a.Ready && !a.Draining && a.ExitedAtTick is null).ToList();
        var readings = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [TriggerTypes.Name(TriggerType.QueueDepth)] = _pendingCount,
        };
        // Like a CPU metric scraped as a rate over a minute: the mean busy share of the last 60 s, not one instant.
        if (_busyShare.Count > 0) readings[TriggerTypes.Name(TriggerType.CPUUtilization)] = 100.0 * _busyShareSum / _busyShare.Count;

        IReadOnlyList<string> notes = [];
        string? held = null;
        if (_detector is not null)
        {
            var outcome = _detector.Evaluate(new AnomalyInput(now, readings)
            {
                Tenants = TenantActivities(),
                Requests = RequestActivities(),
                Scales = _policy.Triggers.ToDictionary(t => t.ReadingKey, t => t.Threshold),
                Slots = ready.Count * _slots,
            });
            readings = new Dictionary<string, double>(outcome.Readings, StringComparer.Ordinal);
            notes = outcome.Notes;
            held = outcome.ScaleUpHeld;
            _anomalies.AddRange(outcome.Detected);
        }

        int? forecast = null;
        string? forecastNote = null;
        if (_policy.Predictive.Mode != PredictiveMode.Off)
        {
            var lead = LeadTime;
            var horizon = lead + DemandHistory.Bucket + DemandHistory.Bucket;
            var upcoming = new List<UpcomingRun>();
            for (var i = nextScheduled; i < scheduled.Count && scheduled[i].At <= now + horizon; i++)
            {
                var row = scheduled[i];
                upcoming.Add(new UpcomingRun(row.At, row.Tenant, _runTimes.Estimate(row.Tenant + "/scheduled"), row.Submissions));
            }
            var plan = CapacityPlanner.Plan(_history, upcoming, now, horizon, lead, _policy.Predictive, _policy.Limits);
            forecast = plan.ReplicasNow;
            forecastNote = plan.Note;
        }
        _lastForecast = forecast;

        var active = Active().Count();
        var decision = ScalingEngine.Decide(_policy, _state, new ScalingInput(active, readings, now)
        {
            ForecastReplicas = forecast,
            ForecastNote = forecastNote,
            AnomalyNotes = notes,
            ScaleUpHeld = held,
        });
        _state = decision.State;
        if (!decision.Changes) return;
        _events.Add(decision);
        for (var i = active; i < decision.To; i++) StartAgent(ready: false);
        if (decision.To < active) Drain(active - decision.To);
    }

    private List<TenantActivity> TenantActivities()
    {
        var submitted = _recentSubmissions.Where(s => !s.Scheduled).GroupBy(s => s.Tenant).ToDictionary(g => g.Key, g => g.Sum(s => s.Count), StringComparer.Ordinal);
        var endings = _recentEndings.GroupBy(e => e.Tenant).ToDictionary(g => g.Key, g => (Finished: g.Count(), FailedFast: g.Count(e => e.FailedFast)), StringComparer.Ordinal);
        return [.. _tenants.Select(t => new TenantActivity(t.Key, t.Value.Pending, submitted.GetValueOrDefault(t.Key),
            endings.GetValueOrDefault(t.Key).Finished, endings.GetValueOrDefault(t.Key).FailedFast)
        {
            ScheduledPending = t.Value.ScheduledPending,
            Running = t.Value.Running,
        })];
    }

    // Each submission is one API request from its key; schedule fires come from the scheduler, not the API.
    private List<RequestActivity> RequestActivities() =>
        [.. _recentSubmissions.Where(s => !s.Scheduled).GroupBy(s => s.Key).Select(g => new RequestActivity("key:" + g.Key, g.Sum(s => s.Count), 0))];

    private void SampleBusyShare()
    {
        var ready = _agents.Where(a => a.Ready && !a.Draining && a.ExitedAtTick is null).ToList();
        if (ready.Count == 0) return;
        var share = (double)ready.Sum(a => a.Running) / (ready.Count * _slots);
        _busyShare.Enqueue(share);
        _busyShareSum += share;
        if (_busyShare.Count > 60) _busyShareSum -= _busyShare.Dequeue();
    }

    private IEnumerable<SimAgent> Active() => _agents.Where(a => !a.Draining && a.ExitedAtTick is null);

    private void StartAgent(bool ready)
    {
        var tick = (long)(_clock.GetUtcNow() - _clock.Start).TotalSeconds;
        _agents.Add(new SimAgent(_nextAgentId++, tick, ready ? tick : tick + (long)_options.AgentStartDelay.TotalSeconds) { Ready = ready });
    }

    private void Drain(int count)
    {
        // Agents still booting go first (nothing to finish), then the least busy.
        var victims = Active().OrderBy(a => a.Ready).ThenBy(a => a.Running).ThenByDescending(a => a.Id).Take(count);
        foreach (var agent in victims) agent.Draining = true;
    }

    private void Sample(DateTimeOffset now)
    {
        var live = _agents.Where(a => a.ExitedAtTick is null).ToList();
        _timeline.Add(new TimelinePoint(now, live.Count, live.Count(a => a.Ready && !a.Draining), _pendingCount, live.Sum(a => a.Running), _lastForecast));
    }

    private TenantCounters Tenant(string tenant)
    {
        if (!_tenants.TryGetValue(tenant, out var counters)) _tenants[tenant] = counters = new TenantCounters();
        return counters;
    }

    private SimulationReport Report(DateTimeOffset start)
    {
        var endTick = (long)(_clock.GetUtcNow() - start).TotalSeconds;
        var agentSeconds = _agents.Sum(a => (a.ExitedAtTick ?? endTick) - a.RequestedAtTick);
        _waits.Sort();
        return new SimulationReport(_options.Label, start, _clock.GetUtcNow(), agentSeconds / 60.0, _waits.Count,
            Percentile(0.50), Percentile(0.95), Percentile(0.99), _waits.Count == 0 ? 0 : _waits[^1],
            _timeline.Count == 0 ? 0 : _timeline.Max(p => p.Agents), _events, _anomalies, _timeline)
        {
            WaitP95ByTenant = _tenants.OrderBy(t => t.Key, StringComparer.Ordinal).ToDictionary(t => t.Key, t =>
            {
                t.Value.Waits.Sort();
                return Percentile(t.Value.Waits, 0.95);
            }, StringComparer.Ordinal),
        };
    }

    private double Percentile(double p) => Percentile(_waits, p);

    /// <summary>The nearest-rank percentile of sorted values.</summary>
    public static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, Math.Max(0, (int)Math.Ceiling(p * sorted.Count) - 1))];

    private sealed class SimAgent(int id, long requestedAtTick, long readyAtTick)
    {
        public int Id { get; } = id;
        public long RequestedAtTick { get; } = requestedAtTick;
        public long ReadyAtTick { get; } = readyAtTick;
        public bool Ready { get; set; }
        public bool Draining { get; set; }
        public int Running { get; set; }
        public long? ExitedAtTick { get; set; }
    }

    private sealed class SimJob(string tenant, long submittedTick, TimeSpan duration, bool scheduled, bool failsFast)
    {
        public string Tenant { get; } = tenant;
        public long SubmittedTick { get; } = submittedTick;
        public TimeSpan Duration { get; } = duration;
        public bool Scheduled { get; } = scheduled;
        public bool FailsFast { get; } = failsFast;
        public SimAgent? Agent { get; set; }
    }

    private sealed class TenantCounters
    {
        public int Pending { get; set; }
        public int ScheduledPending { get; set; }
        public int Running { get; set; }
        public Queue<SimJob> Queue { get; } = new();
        public List<double> Waits { get; } = [];
    }
}
