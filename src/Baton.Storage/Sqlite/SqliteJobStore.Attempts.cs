using Baton.Core.Jobs;
using Baton.Storage.Model;
using Baton.Storage.Serialization;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Baton.Storage.Sqlite;

// Fenced writes by the agent holding an attempt (start, completion).
internal sealed partial class SqliteJobStore
{
    /// <summary>Several agents' starts in one write transaction (one commit).</summary>
    public override Task<IReadOnlyList<AttemptWriteResult>> MarkStartedManyAsync(IReadOnlyList<AttemptStart> starts, CancellationToken cancellationToken) =>
        _database.WriteAsync<IReadOnlyList<AttemptWriteResult>>(async (connection, transaction) =>
        {
            var results = new List<AttemptWriteResult>(starts.Count);
            foreach (var start in starts) results.Add(await MarkStartedAsync(connection, transaction, start, cancellationToken));
            return results;
        }, cancellationToken);

    private async Task<AttemptWriteResult> MarkStartedAsync(
        SqliteConnection connection, SqliteTransaction transaction, AttemptStart start, CancellationToken cancellationToken)
    {
        var job = await LoadAsync(connection, transaction, start.TenantId, start.JobId, cancellationToken);
        if (StartAnswer(job?.State.ToText(), job?.AgentId, job?.Attempt ?? 0, start) is { } answer) return answer;

        var now = NowMs();
        var updated = await connection.ExecuteAsync(Sql.Command(
            """
            UPDATE jobs SET state = 'running', started_at = @now
            WHERE id = @JobId AND tenant_id = @TenantId AND state = 'assigned' AND agent_id = @AgentId AND attempt = @Attempt;
            """,
            new { start.TenantId, start.JobId, start.AgentId, start.Attempt, now }, transaction, cancellationToken));
        if (updated != 1) return AttemptWriteResult.Stale;
        await InsertEventAsync(connection, transaction, start.JobId, now, JobEventTypes.Started, start.Attempt, start.AgentId,
            $"started on agent {start.AgentId}", cancellationToken);
        return AttemptWriteResult.Ok;
    }

    /// <summary>Several agents' completions in one write transaction (one commit).</summary>
    public override Task<IReadOnlyList<(AttemptWriteResult Result, JobRecord? Job)>> CompleteAttemptsAsync(
        IReadOnlyList<AttemptCompletion> completions, CancellationToken cancellationToken) =>
        _database.WriteAsync<IReadOnlyList<(AttemptWriteResult, JobRecord?)>>(async (connection, transaction) =>
        {
            var results = new List<(AttemptWriteResult, JobRecord?)>(completions.Count);
            foreach (var completion in completions) results.Add(await CompleteAttemptAsync(connection, transaction, completion, cancellationToken));
            return results;
        }, cancellationToken);

    private async Task<(AttemptWriteResult, JobRecord?)> CompleteAttemptAsync(
        SqliteConnection connection, SqliteTransaction transaction, AttemptCompletion completion, CancellationToken cancellationToken)
    {
        var job = await LoadAsync(connection, transaction, completion.TenantId, completion.JobId, cancellationToken);
        if (job is null) return (AttemptWriteResult.NotFound, null);

        if (!AttemptEnding.Holds(job, completion))
        {
            // An agent retrying a completion whose response it lost gets the same answer again.
            var alreadyCompleted = await WasCompletedByAgentAsync(connection, transaction, completion, cancellationToken);
            return alreadyCompleted ? (AttemptWriteResult.Ok, job) : (AttemptWriteResult.Stale, null);
        }

        var now = NowMs();
        var ending = AttemptEnding.Decide(job, completion, Retries);
        var updated = await connection.ExecuteAsync(Sql.Command(
            """
            UPDATE jobs
            SET state = @newState, result = @result, exit_code = @ExitCode, error = @Error, lease_expires_at = NULL,
                agent_id = CASE WHEN @retry THEN NULL ELSE agent_id END,
                not_before = CASE WHEN @retry THEN @notBefore ELSE NULL END,
                finished_at = CASE WHEN @retry THEN NULL ELSE @now END
            WHERE id = @JobId AND tenant_id = @TenantId AND state = @fromState AND agent_id = @AgentId AND attempt = @Attempt;
            """,
            new
            {
                completion.JobId,
                completion.TenantId,
                completion.AgentId,
                completion.Attempt,
                completion.ExitCode,
                completion.Error,
                result = StoredJson.ToText(completion.Result),
                fromState = job.State.ToText(),
                newState = ending.NewState.ToText(),
                retry = ending.Retry,
                notBefore = now + (long)ending.RetryDelay.TotalMilliseconds,
                now,
            },
            transaction, cancellationToken));
        if (updated != 1) return (AttemptWriteResult.Stale, null);

        foreach (var (type, message) in ending.Events)
        {
            await InsertEventAsync(connection, transaction, job.Id, now, type, job.Attempt, completion.AgentId, message, cancellationToken);
        }
        var finished = await LoadAsync(connection, transaction, job.TenantId, job.Id, cancellationToken);
        await Relational.TenantEvents.QueueAsync(SqliteDatabase.Session(connection, transaction, cancellationToken), FinishedEvents(finished!), StoredTime.FromMs(now));
        return (AttemptWriteResult.Ok, finished);
    }

    private static Task<bool> WasCompletedByAgentAsync(
        SqliteConnection connection, SqliteTransaction transaction, AttemptCompletion completion, CancellationToken cancellationToken) =>
        connection.ExecuteScalarAsync<bool>(Sql.Command(
            CompletedByAgent, new { completion.JobId, completion.Attempt, completion.AgentId }, transaction, cancellationToken));
}
