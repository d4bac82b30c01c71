using Baton.Core.AgentProtocol;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;

namespace Baton.Storage.Sqlite;

// Assignments that never reached their agent go back to the queue without spending an attempt.
internal sealed partial class SqliteJobStore
{
    public override async Task<IReadOnlyList<JobRecord>> ReleaseUndeliveredAsync(
        string tenantId, string agentId, IReadOnlyList<JobRef> running, DateTimeOffset assignedBefore, CancellationToken cancellationToken)
    {
        // Every poll asks; almost always the answer is no. Look without the write gate first.
        var assigned = await _database.ReadAsync(connection => connection.ExecuteScalarAsync<long>(Sql.Command(
            "SELECT COUNT(*) FROM jobs WHERE agent_id = @agentId AND state = 'assigned' AND tenant_id = @tenantId;",
            new { tenantId, agentId }, null, cancellationToken)), cancellationToken);
        if (assigned == 0) return [];
        return await _database.WriteAsync<IReadOnlyList<JobRecord>>(async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync<Relational.JobRow>(Sql.Command(
                $"""
                SELECT {Relational.JobRow.Select} FROM jobs
                WHERE tenant_id = @tenantId AND agent_id = @agentId AND state = 'assigned' AND assigned_at < @before;
                """,
                new { tenantId, agentId, before = StoredTime.ToMs(assignedBefore) }, transaction, cancellationToken));

            var now = NowMs();
            var released = new List<JobRecord>();
            foreach (var job in Undelivered(rows.Select(r => r.ToRecord()), running))
            {
                var updated = await connection.ExecuteAsync(Sql.Command(
                    """
                    UPDATE jobs
                    SET state = 'pending', attempt = attempt - 1, agent_id = NULL, assigned_at = NULL, lease_expires_at = NULL
                    WHERE id = @Id AND tenant_id = @TenantId AND state = 'assigned' AND agent_id = @AgentId AND attempt = @Attempt;
                    """,
                    new { job.Id, job.TenantId, job.AgentId, job.Attempt }, transaction, cancellationToken));
                if (updated != 1) continue;
                await InsertEventAsync(connection, transaction, job.Id, now, JobEventTypes.Released, job.Attempt, agentId, ReleasedMessage(agentId), cancellationToken);
                released.Add((await LoadAsync(connection, transaction, job.TenantId, job.Id, cancellationToken))!);
            }
            return released;
        }, cancellationToken);
    }
}
