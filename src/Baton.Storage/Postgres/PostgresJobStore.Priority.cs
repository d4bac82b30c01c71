using Baton.Core.Jobs;
using Baton.Storage.Model;
using Dapper;

namespace Baton.Storage.Postgres;

// Operators re-prioritise a job while it waits; once it is on an agent its priority no longer matters.
internal sealed partial class PostgresJobStore
{
    public Task<(PriorityChangeResult Result, JobRecord? Job)> ChangePriorityAsync(string tenantId, string jobId, int priority, CancellationToken cancellationToken) =>
        database.InTenantAsync<(PriorityChangeResult, JobRecord?)>(tenantId, async (connection, transaction) =>
        {
            // Locked, so a claim cannot take the job between the check and the update.
            var job = await LoadAsync(connection, transaction, tenantId, jobId, forUpdate: true, cancellationToken);
            if (job is null) return (PriorityChangeResult.NotFound, null);
            if (job.State != JobState.Pending) return (PriorityChangeResult.NotPending, job);
            if (job.Priority == priority) return (PriorityChangeResult.Changed, job);

            var now = Now();
            var updated = await connection.QuerySingleAsync<Relational.JobRow>(PgSql.Command(
                $"""
                UPDATE jobs SET priority = @priority
                WHERE id = @jobId AND tenant_id = @tenantId AND state = 'pending'
                RETURNING {Relational.JobRow.Select};
                """,
                new { tenantId, jobId, priority }, transaction, cancellationToken));
            await InsertEventsAsync(connection, transaction, now,
                [new NewEvent(tenantId, jobId, JobEventTypes.PriorityChanged, job.Attempt, null, JobEventText.PriorityChanged(job.Priority, priority))],
                cancellationToken);
            return (PriorityChangeResult.Changed, updated.ToRecord());
        }, cancellationToken);
}
