using Baton.Storage.Model;

namespace Baton.Storage.Relational;

/// <summary>Job checkpoints: written only by the agent holding the running attempt, read by the next attempt.</summary>
internal sealed class CheckpointStore(IStoreDatabase database) : ICheckpointStore
{
    private const string Select = "job_id AS JobId, attempt AS Attempt, state AS State, saved_at AS SavedAt";

    public Task<bool> SaveAsync(string tenantId, string jobId, string agentId, int attempt, string state, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(tenantId, async session => await session.ExecuteAsync(
            // Fenced like every write of an attempt: a stale holder's checkpoint is refused, not stored.
            """
            INSERT INTO job_checkpoints (job_id, tenant_id, attempt, state, saved_at)
            SELECT j.id, j.tenant_id, j.attempt, @state, @now FROM jobs j
            WHERE j.tenant_id = @tenantId AND j.id = @jobId AND j.agent_id = @agentId AND j.attempt = @attempt AND j.state = 'running'
            ON CONFLICT (job_id) DO UPDATE SET attempt = excluded.attempt, state = excluded.state, saved_at = excluded.saved_at;
            """,
            new { tenantId, jobId, agentId, attempt, state, now }) == 1, cancellationToken);

    public Task<CheckpointRead> ReadForAttemptAsync(string tenantId, string jobId, string agentId, int attempt, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, async session =>
        {
            var holder = await AssetStore.ReadHolderAsync(session, tenantId, jobId);
            if (holder is null || !holder.IsHeldBy(agentId, attempt)) return new CheckpointRead(false, null);
            return new CheckpointRead(true, await ReadAsync(session, tenantId, jobId));
        }, cancellationToken);

    public Task<JobCheckpoint?> GetAsync(string tenantId, string jobId, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => ReadAsync(session, tenantId, jobId), cancellationToken);

    private static async Task<JobCheckpoint?> ReadAsync(StoreSession session, string tenantId, string jobId) =>
        (await session.QuerySingleOrDefaultAsync<CheckpointRow>(
            $"SELECT {Select} FROM job_checkpoints WHERE tenant_id = @tenantId AND job_id = @jobId;", new { tenantId, jobId }))?.ToRecord();

    private sealed class CheckpointRow
    {
        public string JobId { get; set; } = "";
        public int Attempt { get; set; }
        public string State { get; set; } = "";
        public DateTimeOffset SavedAt { get; set; }

        public JobCheckpoint ToRecord() => new(JobId, Attempt, State, SavedAt);
    }
}
