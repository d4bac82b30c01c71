using Baton.Storage.Model;

namespace Baton.Storage.Relational;

/// <summary>The autoscaler's fleet-wide reads, in the system scope (the autoscaler scales the fleet, not a tenant).</summary>
internal sealed partial class AutoscaleStore
{
    private const string ScheduledJob = "CAST(CASE WHEN idempotency_key LIKE 'schedule:%' THEN 1 ELSE 0 END AS bigint)";

    public Task<FleetSnapshot> ReadFleetAsync(DateTimeOffset now, TimeSpan fastFailure, CancellationToken cancellationToken) =>
        database.SystemReadAsync(async session =>
        {
            var sql = session.Dialect;
            var loads = await session.QueryAsync<(string TenantId, string Queue, string State, long Scheduled, long Count)>(
                $"""
                SELECT tenant_id, queue, state, {ScheduledJob}, COUNT(*) FROM jobs
                WHERE state IN ('pending', 'assigned', 'running')
                GROUP BY tenant_id, queue, state, {ScheduledJob};
                """);
            var queues = (await session.QueryAsync<(string TenantId, string Name, TextList Groups)>("SELECT tenant_id, name, agent_groups FROM queues;"))
                .ToDictionary(q => (q.TenantId, q.Name), q => q.Groups.Items ?? []);
            var submitted = await session.QueryAsync<(string TenantId, long Count)>(
                $"SELECT tenant_id, COUNT(*) FROM jobs WHERE submitted_at >= @since AND {ScheduledJob} = 0 GROUP BY tenant_id;",
                new { since = now.AddMinutes(-1) });
            var endings = await session.QueryAsync<(string TenantId, long Finished, long FailedFast)>(
                $"""
                SELECT tenant_id, COUNT(*),
                    COUNT(*) FILTER (WHERE state = 'failed' AND started_at IS NOT NULL AND {sql.SecondsBetween("started_at", "finished_at")} < @fastSeconds)
                FROM jobs WHERE finished_at >= @since GROUP BY tenant_id;
                """,
                new { since = now.AddMinutes(-5), fastSeconds = fastFailure.TotalSeconds });
            var agents = await session.QueryAsync<(string Id, string TenantId, string Group, long Slots, long Active)>(
                $"""
                SELECT a.id, a.tenant_id, COALESCE({sql.JsonField("a.capabilities", "group")}, 'default'), CAST(a.slots AS bigint),
                    (SELECT COUNT(*) FROM jobs j WHERE j.agent_id = a.id AND j.state IN ('assigned', 'running'))
                FROM agents a WHERE a.state = 'online';
                """);
            var schedules = await session.QuerySingleAsync<long>("SELECT COUNT(*) FROM schedules WHERE NOT paused;");
            var deliveries = await session.QuerySingleAsync<long>(
                "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= @now;", new { now });
            return Fleet.Assemble(
                loads.Select(l => (l.TenantId, l.Queue, l.State, l.Scheduled != 0, (int)l.Count)),
                queues,
                submitted.Select(s => (s.TenantId, (int)s.Count)),
                endings.Select(e => (e.TenantId, (int)e.Finished, (int)e.FailedFast)),
                [.. agents.Select(a => new FleetAgent(a.Id, a.TenantId, a.Group, (int)a.Slots, (int)a.Active))],
                (int)schedules, (int)deliveries);
        }, cancellationToken);

    public Task<IReadOnlyList<DemandBucketRow>> ReadDemandAsync(DateTimeOffset from, CancellationToken cancellationToken) =>
        database.SystemReadAsync<IReadOnlyList<DemandBucketRow>>(async session =>
        {
            var sql = session.Dialect;
            var ended = "finished_at IS NOT NULL AND started_at IS NOT NULL";
            var rows = await session.QueryAsync<(long Bucket, long Jobs, long Finished, double RunSeconds)>(
                $"""
                SELECT {sql.EpochBucket("submitted_at", 300)} AS bucket, COUNT(*), COUNT(*) FILTER (WHERE {ended}),
                    CAST(COALESCE(SUM({sql.SecondsBetween("started_at", "finished_at")}) FILTER (WHERE {ended}), 0) AS double precision)
                FROM jobs WHERE submitted_at >= @from AND {ScheduledJob} = 0
                GROUP BY bucket ORDER BY bucket;
                """,
                new { from });
            return [.. rows.Select(r => new DemandBucketRow(r.Bucket, (int)r.Jobs, (int)r.Finished, r.RunSeconds))];
        }, cancellationToken);

    public Task<IReadOnlyList<RunTimeRow>> ReadRunTimesAsync(DateTimeOffset since, CancellationToken cancellationToken) =>
        database.SystemReadAsync<IReadOnlyList<RunTimeRow>>(async session =>
        {
            var rows = await session.QueryAsync<(string TenantId, string Package, double MeanSeconds, long Runs)>(
                $"""
                SELECT tenant_id, package_name, CAST(AVG({session.Dialect.SecondsBetween("started_at", "finished_at")}) AS double precision), COUNT(*) FROM jobs
                WHERE finished_at >= @since AND state = 'succeeded' AND started_at IS NOT NULL
                GROUP BY tenant_id, package_name;
                """,
                new { since });
            return [.. rows.Select(r => new RunTimeRow(r.TenantId, r.Package, r.MeanSeconds, (int)r.Runs))];
        }, cancellationToken);
}
