using Baton.Core.Jobs;
using Baton.Storage.Model;

namespace Baton.Storage.Relational;

/// <summary>
/// Work-item queue triggers, written once for both backends. A slot's move to its next job is a compare-and-set on its
/// generation (an insert that does nothing on conflict for a slot's first job), so of two replicas starting the same
/// slot one wins; both submitted the same idempotency key, so both made the same job.
/// </summary>
internal sealed class WorkItemTriggerStore(IStoreDatabase database, TimeProvider time) : IWorkItemTriggerStore
{
    private const string Select =
        "tenant_id AS TenantId, queue AS Queue, id AS Id, package_name AS PackageName, package_version AS PackageVersion, max_jobs AS MaxJobs, " +
        "min_items AS MinItems, created_at AS CreatedAt, updated_at AS UpdatedAt, last_started_at AS LastStartedAt, last_error AS LastError, " +
        "last_error_at AS LastErrorAt";

    /// <summary>The job states after which a slot may take its next job.</summary>
    private const string Terminal = "('succeeded', 'failed', 'cancelled', 'timed_out')";

    public Task<(WorkItemTriggerRecord Trigger, bool Created)> SaveAsync(WorkItemTriggerRecord trigger, CancellationToken cancellationToken) =>
        database.WriteAsync(trigger.TenantId, async session =>
        {
            var saved = await session.QuerySingleAsync<TriggerRow>(
                $"""
                INSERT INTO work_item_triggers (tenant_id, queue, id, package_name, package_version, max_jobs, min_items, created_at, updated_at)
                VALUES (@TenantId, @Queue, @Id, @PackageName, @PackageVersion, @MaxJobs, @MinItems, @CreatedAt, @UpdatedAt)
                ON CONFLICT (tenant_id, queue) DO UPDATE SET
                    package_name = excluded.package_name, package_version = excluded.package_version, max_jobs = excluded.max_jobs,
                    min_items = excluded.min_items, updated_at = excluded.updated_at, last_error = NULL, last_error_at = NULL
                RETURNING {Select};
                """, trigger);
            return (saved.ToRecord(), saved.Id == trigger.Id);
        }, cancellationToken);

    public Task<WorkItemTriggerRecord?> GetAsync(string tenantId, string queue, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, async session => (await session.QuerySingleOrDefaultAsync<TriggerRow>(
            $"SELECT {Select} FROM work_item_triggers WHERE tenant_id = @tenantId AND queue = @queue;", new { tenantId, queue }))?.ToRecord(),
            cancellationToken);

    public Task<IReadOnlyList<WorkItemTriggerRecord>> ListAsync(string tenantId, CancellationToken cancellationToken) =>
        database.ReadListAsync<IReadOnlyList<WorkItemTriggerRecord>>(tenantId, async session => (await session.QueryAsync<TriggerRow>(
            $"SELECT {Select} FROM work_item_triggers WHERE tenant_id = @tenantId ORDER BY queue;", new { tenantId }))
            .Select(row => row.ToRecord()).ToList(), cancellationToken);

    public Task<bool> DeleteAsync(string tenantId, string queue, CancellationToken cancellationToken) =>
        // Its slots go with it (ON DELETE CASCADE).
        database.WriteAsync(tenantId, async session => await session.ExecuteAsync(
            "DELETE FROM work_item_triggers WHERE tenant_id = @tenantId AND queue = @queue;", new { tenantId, queue }) > 0, cancellationToken);

    public Task<IReadOnlyList<WorkItemTriggerSlot>> ListSlotsAsync(string tenantId, string queue, CancellationToken cancellationToken) =>
        database.ReadAsync(tenantId, session => ReadSlotsAsync(session, tenantId, queue), cancellationToken);

    // System scope: the scheduler starts jobs for every tenant's triggers.
    public Task<IReadOnlyList<WorkItemTriggerDemand>> ListDemandAsync(int limit, int countCap, CancellationToken cancellationToken) =>
        database.SystemReadAsync<IReadOnlyList<WorkItemTriggerDemand>>(async session =>
        {
            // Waiting items are counted up to a cap (the most a decision needs), so a queue of millions costs no more than
            // one of thousands; active jobs are the slots whose job has not ended. Triggers that never started a job come first,
            // then those that started one longest ago, so a full batch does not starve the rest.
            var rows = (await session.QueryAsync<DemandRow>(
                $"""
                SELECT * FROM (
                    SELECT {Select},
                        (SELECT COUNT(*) FROM (
                            SELECT 1 AS one FROM work_items w
                            WHERE w.tenant_id = t.tenant_id AND w.queue = t.queue AND w.state = 'pending' LIMIT @countCap) waiting) AS Pending,
                        (SELECT COUNT(*) FROM work_item_trigger_slots s JOIN jobs j ON j.id = s.job_id AND j.tenant_id = s.tenant_id
                            WHERE s.tenant_id = t.tenant_id AND s.queue = t.queue AND j.state NOT IN {Terminal}) AS Active
                    FROM work_item_triggers t) demand
                WHERE Pending > 0 AND Pending >= MinItems AND Active < MaxJobs
                ORDER BY LastStartedAt IS NOT NULL, LastStartedAt, TenantId, Queue LIMIT @limit;
                """, new { limit, countCap })).ToList();
            var demands = new List<WorkItemTriggerDemand>(rows.Count);
            foreach (var row in rows) demands.Add(new WorkItemTriggerDemand(row.ToRecord(), row.Pending, await ReadSlotsAsync(session, row.TenantId, row.Queue)));
            return demands;
        }, cancellationToken);

    public Task<bool> AdvanceSlotAsync(WorkItemTriggerStart start, CancellationToken cancellationToken) =>
        database.WriteAsync(start.TenantId, async session =>
        {
            // The insert (a slot's first job) does nothing when the slot exists; the update moves only the generation it read.
            var moved = start.ExpectedGeneration == 0
                ? await session.ExecuteAsync(
                    """
                    INSERT INTO work_item_trigger_slots (tenant_id, queue, slot, trigger_id, generation, job_id)
                    SELECT @TenantId, @Queue, @Slot, @TriggerId, 1, @JobId
                    WHERE EXISTS (SELECT 1 FROM work_item_triggers WHERE tenant_id = @TenantId AND queue = @Queue AND id = @TriggerId)
                    ON CONFLICT DO NOTHING;
                    """, start)
                : await session.ExecuteAsync(
                    """
                    UPDATE work_item_trigger_slots SET generation = generation + 1, job_id = @JobId
                    WHERE tenant_id = @TenantId AND queue = @Queue AND slot = @Slot AND trigger_id = @TriggerId AND generation = @ExpectedGeneration;
                    """, start);
            if (moved == 0) return false;
            await session.ExecuteAsync(
                """
                UPDATE work_item_triggers SET last_started_at = @now, last_error = NULL, last_error_at = NULL
                WHERE tenant_id = @TenantId AND queue = @Queue AND id = @TriggerId;
                """, new { start.TenantId, start.Queue, start.TriggerId, now = time.GetUtcNow() });
            return true;
        }, cancellationToken);

    public Task RecordErrorAsync(string tenantId, string queue, string triggerId, string? error, CancellationToken cancellationToken) =>
        database.WriteAsync(tenantId, session => session.ExecuteAsync(
            """
            UPDATE work_item_triggers SET last_error = @error, last_error_at = CASE WHEN CAST(@error AS text) IS NULL THEN NULL ELSE @now END
            WHERE tenant_id = @tenantId AND queue = @queue AND id = @triggerId;
            """, new { tenantId, queue, triggerId, error, now = time.GetUtcNow() }), cancellationToken);

    private static async Task<IReadOnlyList<WorkItemTriggerSlot>> ReadSlotsAsync(StoreSession session, string tenantId, string queue) =>
        (await session.QueryAsync<SlotRow>(
            """
            SELECT s.slot AS Slot, s.generation AS Generation, s.job_id AS JobId, j.state AS JobState, j.finished_at AS JobFinishedAt
            FROM work_item_trigger_slots s LEFT JOIN jobs j ON j.id = s.job_id AND j.tenant_id = s.tenant_id
            WHERE s.tenant_id = @tenantId AND s.queue = @queue ORDER BY s.slot;
            """, new { tenantId, queue }))
        .Select(row => new WorkItemTriggerSlot(row.Slot, row.Generation, row.JobId, row.JobState is null ? null : JobStates.Parse(row.JobState), row.JobFinishedAt))
        .ToList();

    private class TriggerRow
    {
        public string TenantId { get; set; } = "";
        public string Queue { get; set; } = "";
        public string Id { get; set; } = "";
        public string PackageName { get; set; } = "";
        public string? PackageVersion { get; set; }
        public int MaxJobs { get; set; }
        public int MinItems { get; set; }
        public DateTimeOffset CreatedAt { get; set; }
        public DateTimeOffset UpdatedAt { get; set; }
        public DateTimeOffset? LastStartedAt { get; set; }
        public string? LastError { get; set; }
        public DateTimeOffset? LastErrorAt { get; set; }

        public WorkItemTriggerRecord ToRecord() => new()
        {
            TenantId = TenantId,
            Queue = Queue,
            Id = Id,
            PackageName = PackageName,
            PackageVersion = PackageVersion,
            MaxJobs = MaxJobs,
            MinItems = MinItems,
            CreatedAt = CreatedAt,
            UpdatedAt = UpdatedAt,
            LastStartedAt = LastStartedAt,
            LastError = LastError,
            LastErrorAt = LastErrorAt,
        };
    }

    private sealed class DemandRow : TriggerRow
    {
        public long Pending { get; set; }
        public long Active { get; set; }
    }

    private sealed class SlotRow
    {
        public int Slot { get; set; }
        public long Generation { get; set; }
        public string JobId { get; set; } = "";
        public string? JobState { get; set; }
        public DateTimeOffset? JobFinishedAt { get; set; }
    }
}
