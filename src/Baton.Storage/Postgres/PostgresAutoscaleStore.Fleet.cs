using Baton.Storage.Model;
using Dapper;

namespace Baton.Storage.Postgres;

/// <summary>The autoscaler's fleet-wide reads, in the system scope (the autoscaler scales the fleet, not a tenant).</summary>
internal sealed partial class PostgresAutoscaleStore
{
    private const string ScheduledJob = "COALESCE(idempotency_key LIKE 'schedule:%', false)";

    public Task<FleetSnapshot> ReadFleetAsync(DateTimeOffset now, TimeSpan fastFailure, CancellationToken cancellationToken) =>
        database.InSystemAsync(async (connection, transaction) =>
        {
            var at = PgTime.ToDb(now);
            var loads = await connection.QueryAsync<(string TenantId, string Queue, string State, bool Scheduled, long Count)>(PgSql.Command(
                $"""
                SELECT tenant_id, queue, state, {ScheduledJob}, COUNT(*) FROM jobs
                WHERE state IN ('pending', 'assigned', 'running')
                GROUP BY tenant_id, queue, state, {ScheduledJob};
                """, null, transaction, cancellationToken));
            var queues = (await connection.QueryAsync<(string TenantId, string Name, string[] Groups)>(PgSql.Command(
                "SELECT tenant_id, name, agent_groups FROM queues;", null, transaction, cancellationToken)))
                .ToDictionary(q => (q.TenantId, q.Name), q => (IReadOnlyList<string>)q.Groups);
            var submitted = await connection.QueryAsync<(string TenantId, long Count)>(PgSql.Command(
                $"SELECT tenant_id, COUNT(*) FROM jobs WHERE submitted_at >= @since AND NOT {ScheduledJob} GROUP BY tenant_id;",
                new { since = at.AddMinutes(-1) }, transaction, cancellationToken));
            var endings = await connection.QueryAsync<(string TenantId, long Finished, long FailedFast)>(PgSql.Command(
                """
                SELECT tenant_id, COUNT(*),
                    COUNT(*) FILTER (WHERE state = 'failed' AND started_at IS NOT NULL AND finished_at - started_at < @fast)
                FROM jobs WHERE finished_at >= @since GROUP BY tenant_id;
                """,
                new { since = at.AddMinutes(-5), fast = fastFailure }, transaction, cancellationToken));
            var agents = await connection.QueryAsync<(string Id, string TenantId, string Group, int Slots, long Active)>(PgSql.Command(
                """
                SELECT a.id, a.tenant_id, COALESCE(a.capabilities->>'group', 'default'), a.slots,
                    (SELECT COUNT(*) FROM jobs j WHERE j.agent_id = a.id AND j.state IN ('assigned', 'running'))
                FROM agents a WHERE a.state = 'online';
                """, null, transaction, cancellationToken));
            var schedules = await connection.QuerySingleAsync<long>(PgSql.Command("SELECT COUNT(*) FROM schedules WHERE NOT paused;", null, transaction, cancellationToken));
            var deliveries = await connection.QuerySingleAsync<long>(PgSql.Command(
                "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= @at;", new { at }, transaction, cancellationToken));
            return Fleet.Assemble(
                loads.Select(l => (l.TenantId, l.Queue, l.State, l.Scheduled, (int)l.Count)),
                queues,
                submitted.Select(s => (s.TenantId, (int)s.Count)),
                endings.Select(e => (e.TenantId, (int)e.Finished, (int)e.FailedFast)),
                [.. agents.Select(a => new FleetAgent(a.Id, a.TenantId, a.Group, a.Slots, (int)a.Active))],
                (int)schedules, (int)deliveries);
        }, cancellationToken);

    public Task<IReadOnlyList<DemandBucketRow>> ReadDemandAsync(DateTimeOffset from, CancellationToken cancellationToken) =>
        database.InSystemAsync<IReadOnlyList<DemandBucketRow>>(async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync<(long Bucket, long Jobs, long Finished, double RunSeconds)>(PgSql.Command(
                $"""
                SELECT floor(extract(epoch FROM submitted_at) / 300)::bigint AS bucket, COUNT(*),
                    COUNT(*) FILTER (WHERE finished_at IS NOT NULL AND started_at IS NOT NULL),
                    COALESCE(SUM(extract(epoch FROM finished_at - started_at)) FILTER (WHERE finished_at IS NOT NULL AND started_at IS NOT NULL), 0)::double precision
                FROM jobs WHERE submitted_at >= @from AND NOT {ScheduledJob}
                GROUP BY bucket ORDER BY bucket;
                """,
                new { from = PgTime.ToDb(from) }, transaction, cancellationToken));
            return [.. rows.Select(r => new DemandBucketRow(r.Bucket, (int)r.Jobs, (int)r.Finished, r.RunSeconds))];
        }, cancellationToken);

    public Task<IReadOnlyList<RunTimeRow>> ReadRunTimesAsync(DateTimeOffset since, CancellationToken cancellationToken) =>
        database.InSystemAsync<IReadOnlyList<RunTimeRow>>(async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync<(string TenantId, string Package, double MeanSeconds, long Runs)>(PgSql.Command(
                """
                SELECT tenant_id, package_name, AVG(extract(epoch FROM finished_at - started_at))::double precision, COUNT(*) FROM jobs
                WHERE finished_at >= @since AND state = 'succeeded' AND started_at IS NOT NULL
                GROUP BY tenant_id, package_name;
                """,
                new { since = PgTime.ToDb(since) }, transaction, cancellationToken));
            return [.. rows.Select(r => new RunTimeRow(r.TenantId, r.Package, r.MeanSeconds, (int)r.Runs))];
        }, cancellationToken);
}
