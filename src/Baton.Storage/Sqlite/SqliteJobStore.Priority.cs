using Baton.Core.Jobs;
using Baton.Storage.Model;
using Dapper;

namespace Baton.Storage.Sqlite;

// Operators re-prioritise a job while it waits; once it is on an agent its priority no longer matters.
internal sealed partial class SqliteJobStore
{
    public Task<(PriorityChangeResult Result, JobRecord? Job)> ChangePriorityAsync(string tenantId, string jobId, int priority, CancellationToken cancellationToken) =>
        database.WriteAsync<(PriorityChangeResult, JobRecord?)>(async (connection, transaction) =>
        {
            var job = await LoadAsync(connection, transaction, tenantId, jobId, cancellationToken);
            if (job is null) return (PriorityChangeResult.NotFound, null);
            if (job.State != JobState.Pending) return (PriorityChangeResult.NotPending, job);
            if (job.Priority == priority) return (PriorityChangeResult.Changed, job);

            var now = NowMs();
            var updated = await connection.ExecuteAsync(Sql.Command(
                "UPDATE jobs SET priority = @priority WHERE id = @jobId AND tenant_id = @tenantId AND state = 'pending';",
                new { tenantId, jobId, priority }, transaction, cancellationToken));
            if (updated != 1) throw new InvalidOperationException($"Job {jobId} changed under the write gate.");
            await InsertEventAsync(connection, transaction, jobId, now, JobEventTypes.PriorityChanged, job.Attempt, null,
                JobEventText.PriorityChanged(job.Priority, priority), cancellationToken);
            return (PriorityChangeResult.Changed, await LoadAsync(connection, transaction, tenantId, jobId, cancellationToken));
        }, cancellationToken);
}
