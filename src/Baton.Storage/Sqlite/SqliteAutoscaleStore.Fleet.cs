using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Sqlite;

/// <summary>The autoscaler's fleet-wide reads (all tenants: the autoscaler scales the fleet, not a tenant).</summary>
internal sealed partial class SqliteAutoscaleStore
{
    private const string ScheduledJob = "idempotency_key LIKE 'schedule:%'";

    public Task<FleetSnapshot> ReadFleetAsync(DateTimeOffset now, TimeSpan fastFailure, CancellationToken cancellationToken) =>
        database.ReadAsync(async connection =>
        {
            var nowMs = StoredTime.ToMs(now);
            var loads = await connection.QueryAsync<(string TenantId, string Queue, string State, long Scheduled, long Count)>(Sql.Command(
                $"""
                SELECT tenant_id, queue, state, COALESCE({ScheduledJob}, 0), COUNT(*) FROM jobs
                WHERE state IN ('pending', 'assigned', 'running')
                GROUP BY tenant_id, queue, state, COALESCE({ScheduledJob}, 0);
                """, null, cancellationToken));
            var queues = (await connection.QueryAsync<(string TenantId, string Name, string Groups)>(Sql.Command(
                "SELECT tenant_id, name, agent_groups FROM queues;", null, cancellationToken)))
                .ToDictionary(q => (q.TenantId, q.Name), q => (IReadOnlyList<string>)StoredJson.Deserialize<List<string>>(q.Groups));
            var submitted = await connection.QueryAsync<(string TenantId, long Count)>(Sql.Command(
                $"SELECT tenant_id, COUNT(*) FROM jobs WHERE submitted_at >= @since AND NOT COALESCE({ScheduledJob}, 0) GROUP BY tenant_id;",
                new { since = nowMs - 60_000 }, cancellationToken));
            var endings = await connection.QueryAsync<(string TenantId, long Finished, long FailedFast)>(Sql.Command(
                """
                SELECT tenant_id, COUNT(*),
                    SUM(CASE WHEN state = 'failed' AND started_at IS NOT NULL AND finished_at - started_at < @fast THEN 1 ELSE 0 END)
                FROM jobs WHERE finished_at >= @since GROUP BY tenant_id;
                """,
                new { since = nowMs - 300_000, fast = (long)fastFailure.TotalMilliseconds }, cancellationToken));
            var agents = await connection.QueryAsync<(string Id, string TenantId, string Group, long Slots, long Active)>(Sql.Command(
                """
                SELECT a.id, a.tenant_id, COALESCE(json_extract(a.capabilities, '$.group'), 'default'), a.slots,
                    (SELECT COUNT(*) FROM jobs j WHERE j.agent_id = a.id AND j.state IN ('assigned', 'running'))
                FROM agents a WHERE a.state = 'online';
                """, null, cancellationToken));
            var schedules = await connection.QuerySingleAsync<long>(Sql.Command("SELECT COUNT(*) FROM schedules WHERE paused = 0;", null, cancellationToken));
            var deliveries = await connection.QuerySingleAsync<long>(Sql.Command(
                "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= @now;", new { now = nowMs }, cancellationToken));
            return Fleet.Assemble(
                loads.Select(l => (l.TenantId, l.Queue, l.State, l.Scheduled != 0, (int)l.Count)),
                queues,
                submitted.Select(s => (s.TenantId, (int)s.Count)),
                endings.Select(e => (e.TenantId, (int)e.Finished, (int)e.FailedFast)),
                [.. agents.Select(a => new FleetAgent(a.Id, a.TenantId, a.Group, (int)a.Slots, (int)a.Active))],
                (int)schedules, (int)deliveries);
        }, cancellationToken);

    public Task<IReadOnlyList<DemandBucketRow>> ReadDemandAsync(DateTimeOffset from, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<DemandBucketRow>>(async connection =>
        {
            var rows = await connection.QueryAsync<(long Bucket, long Jobs, long Finished, double RunMs)>(Sql.Command(
                $"""
                SELECT submitted_at / 300000, COUNT(*),
                    SUM(CASE WHEN finished_at IS NOT NULL AND started_at IS NOT NULL THEN 1 ELSE 0 END),
                    COALESCE(SUM(CASE WHEN finished_at IS NOT NULL AND started_at IS NOT NULL THEN finished_at - started_at ELSE 0 END), 0)
                FROM jobs WHERE submitted_at >= @from AND NOT COALESCE({ScheduledJob}, 0)
                GROUP BY submitted_at / 300000 ORDER BY 1;
                """,
                new { from = StoredTime.ToMs(from) }, cancellationToken));
            return [.. rows.Select(r => new DemandBucketRow(r.Bucket, (int)r.Jobs, (int)r.Finished, r.RunMs / 1000.0))];
        }, cancellationToken);

    public Task<IReadOnlyList<RunTimeRow>> ReadRunTimesAsync(DateTimeOffset since, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<RunTimeRow>>(async connection =>
        {
            var rows = await connection.QueryAsync<(string TenantId, string Package, double MeanMs, long Runs)>(Sql.Command(
                """
                SELECT tenant_id, package_name, AVG(finished_at - started_at), COUNT(*) FROM jobs
                WHERE finished_at >= @since AND state = 'succeeded' AND started_at IS NOT NULL
                GROUP BY tenant_id, package_name;
                """,
                new { since = StoredTime.ToMs(since) }, cancellationToken));
            return [.. rows.Select(r => new RunTimeRow(r.TenantId, r.Package, r.MeanMs / 1000.0, (int)r.Runs))];
        }, cancellationToken);
}
