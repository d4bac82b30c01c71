using Baton.Core.AgentProtocol;
using Baton.Storage.Model;
using Dapper;

namespace Baton.Storage.Postgres;

// Assignments that never reached their agent go back to the queue without spending an attempt.
internal sealed partial class PostgresJobStore
{
    public override Task<IReadOnlyList<JobRecord>> ReleaseUndeliveredAsync(
        string tenantId, string agentId, IReadOnlyList<JobRef> running, DateTimeOffset assignedBefore, CancellationToken cancellationToken) =>
        _database.InTenantAsync<IReadOnlyList<JobRecord>>(tenantId, async (connection, transaction) =>
        {
            var candidates = (await connection.QueryAsync<Relational.JobRow>(PgSql.Command(
                $"""
                SELECT {Relational.JobRow.Select} FROM jobs
                WHERE tenant_id = @tenantId AND agent_id = @agentId AND state = 'assigned' AND assigned_at < @before
                FOR UPDATE SKIP LOCKED;
                """,
                new { tenantId, agentId, before = PgTime.ToDb(assignedBefore) }, transaction, cancellationToken)))
                .Select(row => row.ToRecord()).ToList();
            if (candidates.Count == 0) return [];

            var lost = Undelivered(candidates, running);
            if (lost.Count == 0) return [];

            var rows = await connection.QueryAsync<Relational.JobRow>(PgSql.Command(
                $"""
                UPDATE jobs
                SET state = 'pending', attempt = attempt - 1, agent_id = NULL, assigned_at = NULL, lease_expires_at = NULL
                WHERE tenant_id = @tenantId AND agent_id = @agentId AND state = 'assigned' AND id = ANY(@ids)
                RETURNING {Relational.JobRow.Select};
                """,
                new { tenantId, agentId, ids = lost.Select(j => j.Id).ToArray() }, transaction, cancellationToken));
            var released = rows.Select(row => row.ToRecord()).ToList();
            await InsertEventsAsync(connection, transaction, Now(), [.. released.Select(j => new NewEvent(
                j.TenantId, j.Id, JobEventTypes.Released, j.Attempt + 1, agentId, ReleasedMessage(agentId)))], cancellationToken);
            return released;
        }, cancellationToken);
}
