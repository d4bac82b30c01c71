using Baton.Core.Jobs;
using Baton.Core.Metrics;
using Baton.Storage;
using Baton.Storage.Model;
using Prometheus;

namespace Baton.Server.Metrics;

/// <summary>
/// This replica's business and agent counters, fed by <see cref="InstrumentedStore"/> from what the store's calls
/// return (so every path — API, scheduler, agent protocol, janitor — is counted once, where it commits). Counters are
/// per replica: add them up across replicas with <c>sum</c>.
/// </summary>
public sealed class JobMetrics
{
    private readonly TenantLabels _tenants;
    private readonly int _agentLabelLimit;
    private readonly Counter _submitted, _assigned, _started, _finished, _retried, _leasesExpired, _scheduleFires;
    private readonly Histogram _submitToAssign, _assignToStart, _runTime;
    private readonly Counter _heartbeats, _heartbeatBatches, _webhookDeliveries;
    private readonly Histogram _heartbeatLag, _webhookDuration, _schedulerTick;
    private readonly LabelledGauge _jobsRunByAgent;
    private readonly Dictionary<string, long> _runByAgent = new(StringComparer.Ordinal);
    private readonly Lock _agentGate = new();

    public JobMetrics(MetricRegistry registry, TenantLabels tenants, Microsoft.Extensions.Options.IOptions<Hosting.ServerOptions> options)
    {
        _tenants = tenants;
        _agentLabelLimit = Math.Max(0, options.Value.Metrics.AgentLabelLimit);
        _submitted = registry.Counter("orchestrator_jobs_submitted_total", "Jobs submitted (idempotent repeats not counted), by tenant; this replica.", "tenant");
        _assigned = registry.Counter("orchestrator_jobs_assigned_total", "Job attempts handed to agents, by tenant; this replica.", "tenant");
        _started = registry.Counter("orchestrator_jobs_started_total", "Job attempts started on agents, by tenant; this replica.", "tenant");
        _finished = registry.Counter("orchestrator_jobs_finished_total", "Jobs that reached a final state (succeeded, failed, timed_out, cancelled), by tenant; this replica.", "tenant", "state");
        _retried = registry.Counter("orchestrator_jobs_retried_total", "Failed or lost attempts sent back to the queue for another attempt, by tenant; this replica.", "tenant");
        _leasesExpired = registry.Counter("orchestrator_job_leases_expired_total", "Attempts whose agent went silent past its lease; this replica.");
        _scheduleFires = registry.Counter("orchestrator_schedule_fires_total", "Schedule fires that submitted a job, by tenant; this replica.", "tenant");
        _submitToAssign = registry.Histogram("orchestrator_job_submit_to_assign_seconds", "From submission to assignment of a job's first attempt.", Buckets.JobLatency);
        _assignToStart = registry.Histogram("orchestrator_job_assign_to_start_seconds", "From assignment to start of an attempt (observed when the attempt ends).", Buckets.JobLatency);
        _runTime = registry.Histogram("orchestrator_job_run_seconds", "From start to end of an attempt on its agent.", Buckets.JobRun);
        _heartbeats = registry.Counter("orchestrator_agent_heartbeats_total", "Agent heartbeats (polls) written to the store; this replica.");
        _heartbeatBatches = registry.Counter("orchestrator_agent_heartbeat_batches_total", "Heartbeat batches written to the store; this replica.");
        _heartbeatLag = registry.Histogram("orchestrator_agent_heartbeat_lag_seconds", "From an agent's poll to its heartbeat being committed in a batch.", Buckets.Background);
        _webhookDeliveries = registry.Counter("orchestrator_webhook_deliveries_total", "Webhook delivery attempts by outcome (delivered, retrying, failed = given up); this replica.", "outcome");
        _webhookDuration = registry.Histogram("orchestrator_webhook_delivery_duration_seconds", "Duration of webhook delivery attempts.", Buckets.Background);
        _schedulerTick = registry.Histogram("orchestrator_scheduler_tick_duration_seconds",
            "How long one scheduler tick took (count settled runs, claim and fire the due schedules): the scheduler's evaluation time.", Buckets.Background);
        _jobsRunByAgent = new(registry.Gauge("orchestrator_agent_jobs_run",
            "Attempts ended by the busiest agents (top N by count, the rest summed as agent=\"_other\") since this replica started.", "agent"));
        registry.OnRefresh(RefreshAsync);
    }

    internal void Submitted((JobRecord Job, bool Created) result)
    {
        if (!result.Created) return;
        var tenant = _tenants.For(result.Job.TenantId);
        _submitted.WithLabels(tenant).Inc();
        if (result.Job.IdempotencyKey?.StartsWith("schedule:", StringComparison.Ordinal) == true) _scheduleFires.WithLabels(tenant).Inc();
    }

    internal void Claimed(IReadOnlyList<JobRecord> jobs)
    {
        if (jobs.Count == 0) return;
        _assigned.WithLabels(_tenants.For(jobs[0].TenantId)).Inc(jobs.Count);
        foreach (var job in jobs)
        {
            if (job.Attempt == 1 && job.AssignedAt is { } assigned) _submitToAssign.Observe(Seconds(assigned - job.SubmittedAt));
        }
    }

    internal void Started(string tenantId, AttemptWriteResult result)
    {
        if (result == AttemptWriteResult.Ok) _started.WithLabels(_tenants.For(tenantId)).Inc();
    }

    internal void Completed(AttemptCompletion completion, (AttemptWriteResult Result, JobRecord? Job) outcome)
    {
        if (outcome.Result != AttemptWriteResult.Ok || outcome.Job is not { } job) return;
        Ended(job.TenantId, job.State);
        if (job.AssignedAt is { } assigned && job.StartedAt is { } started)
        {
            _assignToStart.Observe(Seconds(started - assigned));
            if (job.FinishedAt is { } finished) _runTime.Observe(Seconds(finished - started));
        }
        if (_agentLabelLimit > 0)
        {
            lock (_agentGate) _runByAgent[completion.AgentId] = _runByAgent.GetValueOrDefault(completion.AgentId) + 1;
        }
    }

    internal void Expired(IReadOnlyList<ExpiredLease> leases)
    {
        if (leases.Count == 0) return;
        _leasesExpired.Inc(leases.Count);
        foreach (var lease in leases) Ended(lease.TenantId, lease.NewState);
    }

    internal void CancelRequested(string tenantId, CancelResult result)
    {
        if (result == CancelResult.Cancelled) _finished.WithLabels(_tenants.For(tenantId), JobState.Cancelled.ToText()).Inc();
    }

    internal void HeartbeatsWritten(IReadOnlyList<AgentHeartbeat> heartbeats, DateTimeOffset now)
    {
        if (heartbeats.Count == 0) return;
        _heartbeatBatches.Inc();
        _heartbeats.Inc(heartbeats.Count);
        foreach (var heartbeat in heartbeats) _heartbeatLag.Observe(Seconds(now - heartbeat.At));
    }

    /// <summary>One scheduler tick of this replica ended after <paramref name="elapsed"/>.</summary>
    public void SchedulerTicked(TimeSpan elapsed) => _schedulerTick.Observe(elapsed.TotalSeconds);

    internal void DeliveryRecorded(DeliveryAttemptResult attempt, bool recorded)
    {
        if (!recorded) return;
        _webhookDeliveries.WithLabels(attempt.State switch { DeliveryState.Delivered => "delivered", DeliveryState.Failed => "failed", _ => "retrying" }).Inc();
        _webhookDuration.Observe(attempt.DurationMs / 1000d);
    }

    private void Ended(string tenantId, JobState state)
    {
        if (state.IsTerminal()) _finished.WithLabels(_tenants.For(tenantId), state.ToText()).Inc();
        else if (state == JobState.Pending) _retried.WithLabels(_tenants.For(tenantId)).Inc();
    }

    private Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (_agentLabelLimit > 0)
        {
            Dictionary<LabelKey, double> series;
            lock (_agentGate)
            {
                var ranked = _runByAgent.OrderByDescending(pair => pair.Value).ThenBy(pair => pair.Key, StringComparer.Ordinal).ToList();
                series = ranked.Take(_agentLabelLimit).ToDictionary(pair => new LabelKey(pair.Key), pair => (double)pair.Value);
                var rest = ranked.Skip(_agentLabelLimit).Sum(pair => pair.Value);
                if (rest > 0) series[new LabelKey(TenantLabelRule.Other)] = rest;
            }
            _jobsRunByAgent.Publish(series);
        }
        var expired = _tenants.Expired();
        if (expired.Count > 0)
        {
            foreach (var counter in new[] { _submitted, _assigned, _started, _finished, _retried, _scheduleFires })
            {
                foreach (var values in counter.GetAllLabelValues().Where(values => expired.Contains(values[0])).ToList())
                {
                    counter.WithLabels(values).Remove();
                }
            }
        }
        return Task.CompletedTask;
    }

    private static double Seconds(TimeSpan span) => Math.Max(0, span.TotalSeconds);
}
