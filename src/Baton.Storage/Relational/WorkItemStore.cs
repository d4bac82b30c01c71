using Baton.Storage.Model;
using Baton.Storage.Serialization;

namespace Baton.Storage.Relational;

/// <summary>
/// Work-item queues, written once for both backends. Every transition is a compare-and-set on the state (and, for a
/// job's calls, on the lease token and the holding job attempt) and writes the item's history in the same transaction.
/// </summary>
internal sealed partial class WorkItemStore(IStoreDatabase database, TimeProvider time) : IWorkItemStore
{
    /// <summary>Items of one queue whose lease expired, settled before a claim looks for work.</summary>
    private const int ExpiredPerClaim = 100;
    public const string LeaseExpiredReason = "The lease expired: the job holding the item stopped renewing it.";

    public async Task<WorkItemAddOutcome> AddAsync(string tenantId, IReadOnlyList<NewWorkItem> items, CancellationToken cancellationToken)
    {
        if (items.Count == 0) return new WorkItemAddOutcome([], []);
        var now = Now();
        try
        {
            return await database.WriteAsync(tenantId, async session =>
            {
                var duplicates = await FindDuplicatesAsync(session, tenantId, items);
                if (duplicates.Count > 0) return new WorkItemAddOutcome([], duplicates);
                var rows = items.Select(item => new
                {
                    item.Id,
                    TenantId = tenantId,
                    item.Queue,
                    item.Reference,
                    item.Priority,
                    Payload = new JsonText(StoredJson.ToText(item.Payload)),
                    item.DeadlineAt,
                    item.MaxAttempts,
                    CreatedAt = now,
                    item.AddedByJob,
                }).ToList();
                // One statement per item (a list of parameter objects would not carry the backend's scope in front of it).
                var inserted = 0;
                foreach (var row in rows)
                {
                    inserted += await session.ExecuteAsync(
                        """
                        INSERT INTO work_items (id, tenant_id, queue, reference, state, priority, payload, deadline_at, attempts, max_attempts, created_at, added_by_job)
                        VALUES (@Id, @TenantId, @Queue, @Reference, 'pending', @Priority, @Payload, @DeadlineAt, 0, @MaxAttempts, @CreatedAt, @AddedByJob)
                        ON CONFLICT DO NOTHING;
                        """, row);
                }
                // A concurrent addition took a reference between the check and the insert: all or none, so undo this one.
                if (inserted != items.Count) throw new ConcurrentDuplicateException();
                return new WorkItemAddOutcome([.. items.Select(item => Added(item, tenantId, now))], []);
            }, cancellationToken);
        }
        catch (ConcurrentDuplicateException)
        {
            var duplicates = await database.ReadAsync(tenantId, session => FindDuplicatesAsync(session, tenantId, items), cancellationToken);
            return new WorkItemAddOutcome([], duplicates.Count > 0 ? duplicates : [.. items.Where(i => i.Reference is not null).Select(i => i.Reference!)]);
        }
    }

    private static async Task<IReadOnlyList<string>> FindDuplicatesAsync(StoreSession session, string tenantId, IReadOnlyList<NewWorkItem> items)
    {
        var duplicates = new List<string>();
        foreach (var group in items.Where(i => i.Reference is not null).GroupBy(i => i.Queue, StringComparer.Ordinal))
        {
            duplicates.AddRange(await session.QueryAsync<string>(
                $"SELECT reference FROM work_items WHERE tenant_id = @tenantId AND queue = @queue AND {session.Dialect.InList("reference", "references")} ORDER BY reference;",
                new { tenantId, queue = group.Key, references = new TextList([.. group.Select(i => i.Reference!).Distinct(StringComparer.Ordinal)]) }));
        }
        return duplicates;
    }

    private static WorkItemRecord Added(NewWorkItem item, string tenantId, DateTimeOffset now) => new()
    {
        Id = item.Id,
        TenantId = tenantId,
        Queue = item.Queue,
        Reference = item.Reference,
        State = WorkItemState.Pending,
        Priority = item.Priority,
        Payload = item.Payload,
        DeadlineAt = item.DeadlineAt is { } deadline ? DateTimeOffset.FromUnixTimeMilliseconds(deadline.ToUnixTimeMilliseconds()) : null,
        Attempts = 0,
        MaxAttempts = item.MaxAttempts,
        CreatedAt = now,
        AddedByJob = item.AddedByJob,
    };

    public Task<ClaimedWorkItem?> ClaimAsync(string tenantId, string queue, WorkItemHolder holder, TimeSpan lease, CancellationToken cancellationToken) =>
        database.WriteAsync<ClaimedWorkItem?>(tenantId, async session =>
        {
            var now = Now();
            await SettleExpiredAsync(session, "w.tenant_id = @tenantId AND w.queue = @queue", new { tenantId, queue, now, max = ExpiredPerClaim, reason = LeaseExpiredReason }, now);
            // The ready index's order; rows another claimer is taking are skipped, not waited for.
            var id = await session.QueryFirstOrDefaultAsync<string>(
                $"""
                SELECT w.id FROM work_items w
                WHERE w.tenant_id = @tenantId AND w.queue = @queue AND w.state = 'pending'
                ORDER BY w.priority DESC, w.id LIMIT 1 {session.Dialect.SkipLocked("w")};
                """, new { tenantId, queue });
            if (id is null) return null;
            var token = Guid.NewGuid().ToString("N");
            var row = await session.QuerySingleOrDefaultAsync<WorkItemRow>(
                $"""
                UPDATE work_items
                SET state = 'in_progress', attempts = attempts + 1, lease_token = @token, lease_expires_at = @until,
                    job_id = @JobId, job_attempt = @JobAttempt, started_at = @now, finished_at = NULL
                WHERE tenant_id = @tenantId AND id = @id AND state = 'pending'
                RETURNING {WorkItemRow.Select};
                """, new { tenantId, id, token, until = now + lease, holder.JobId, holder.JobAttempt, now });
            if (row is null) return null;
            await AppendEventsAsync(session, [new EventInsert(tenantId, row.Id, now, "claimed", row.Attempts, holder.JobId, null)]);
            return new ClaimedWorkItem(row.ToRecord(), token);
        }, cancellationToken);

    public Task<WorkItemCompleteResult> CompleteAsync(WorkItemCompletion completion, CancellationToken cancellationToken) =>
        database.WriteAsync(completion.TenantId, async session =>
        {
            var now = Now();
            var set = completion.Finish switch
            {
                WorkItemFinish.Done => "state = 'done', finished_at = @now, output = @output, error = NULL, failure_kind = NULL",
                WorkItemFinish.BusinessFailure => "state = 'failed', finished_at = @now, error = @error, failure_kind = 'business'",
                _ => SettleSet,
            };
            var moved = await session.QuerySingleOrDefaultAsync<WorkItemMoveRow>(
                $"""
                UPDATE work_items SET {set}, lease_token = NULL, lease_expires_at = NULL
                WHERE tenant_id = @TenantId AND id = @ItemId AND state = 'in_progress' AND lease_token = @LeaseToken
                  AND job_id = @JobId AND job_attempt = @JobAttempt
                RETURNING id AS Id, tenant_id AS TenantId, state AS State, attempts AS Attempts, job_id AS JobId;
                """,
                new
                {
                    completion.TenantId,
                    completion.ItemId,
                    completion.LeaseToken,
                    completion.Holder.JobId,
                    completion.Holder.JobAttempt,
                    now,
                    reason = completion.Error,
                    error = completion.Error,
                    output = completion.Output is { } value ? new JsonText(StoredJson.ToText(value)) : (JsonText?)null,
                });
            if (moved is null)
            {
                var exists = await session.ScalarAsync<long>(
                    "SELECT COUNT(*) FROM work_items WHERE tenant_id = @TenantId AND id = @ItemId;", new { completion.TenantId, completion.ItemId });
                return exists == 0 ? WorkItemCompleteResult.NotFound : WorkItemCompleteResult.LeaseLost;
            }
            var (type, detail) = completion.Finish switch
            {
                WorkItemFinish.Done => ("done", (string?)null),
                WorkItemFinish.BusinessFailure => ("failed", "business failure: " + completion.Error),
                _ when moved.State == "pending" => ("retry", "application failure: " + completion.Error),
                _ => ("failed", $"application failure, attempts spent: {completion.Error}"),
            };
            await AppendEventsAsync(session, [new EventInsert(completion.TenantId, moved.Id, now, type, moved.Attempts, moved.JobId, detail)]);
            return WorkItemCompleteResult.Ok;
        }, cancellationToken);

    public Task<int> RenewAsync(string tenantId, WorkItemHolder holder, TimeSpan lease, CancellationToken cancellationToken) =>
        database.WriteAsync(tenantId, session => session.ExecuteAsync(
            """
            UPDATE work_items SET lease_expires_at = @until
            WHERE tenant_id = @tenantId AND job_id = @JobId AND job_attempt = @JobAttempt AND state = 'in_progress';
            """, new { tenantId, holder.JobId, holder.JobAttempt, until = Now() + lease }), cancellationToken);

    public Task<int> ReleaseAsync(string tenantId, WorkItemHolder holder, string reason, CancellationToken cancellationToken) =>
        database.WriteAsync(tenantId, async session =>
        {
            var now = Now();
            var moved = (await session.QueryAsync<WorkItemMoveRow>(
                $"""
                UPDATE work_items SET {SettleSet}, lease_token = NULL, lease_expires_at = NULL
                WHERE tenant_id = @tenantId AND job_id = @JobId AND job_attempt = @JobAttempt AND state = 'in_progress'
                RETURNING id AS Id, tenant_id AS TenantId, state AS State, attempts AS Attempts, job_id AS JobId;
                """, new { tenantId, holder.JobId, holder.JobAttempt, now, reason })).ToList();
            await AppendEventsAsync(session, [.. moved.Select(m => new EventInsert(m.TenantId, m.Id, now, "released", m.Attempts, m.JobId,
                m.State == "pending" ? reason + " Back in the queue." : reason + " Its attempts are spent: failed."))]);
            return moved.Count;
        }, cancellationToken);

    public Task<int> ExpireLeasesAsync(int max, CancellationToken cancellationToken) =>
        // System scope: the janitor settles every tenant's expired leases.
        database.SystemWriteAsync(session =>
        {
            var now = Now();
            return SettleExpiredAsync(session, "1 = 1", new { now, max, reason = LeaseExpiredReason }, now);
        }, cancellationToken);

    /// <summary>
    /// An attempt that ended without an answer (application failure, expired lease, released): back to pending while
    /// attempts remain, else failed for good. Takes <c>@now</c> and <c>@reason</c>.
    /// </summary>
    private const string SettleSet =
        "state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'pending' END, " +
        "failure_kind = CASE WHEN attempts >= max_attempts THEN 'application' ELSE NULL END, " +
        "finished_at = CASE WHEN attempts >= max_attempts THEN @now ELSE NULL END, error = @reason";

    /// <summary>Settles up to <c>@max</c> expired leases among the items <paramref name="filter"/> (over alias <c>w</c>) selects.</summary>
    private static async Task<int> SettleExpiredAsync(StoreSession session, string filter, object parameters, DateTimeOffset now)
    {
        // Rows another transaction is settling or claiming are skipped: it decides them.
        var moved = (await session.QueryAsync<WorkItemMoveRow>(
            $"""
            UPDATE work_items SET {SettleSet}, lease_token = NULL, lease_expires_at = NULL
            WHERE id IN (
                SELECT w.id FROM work_items w
                WHERE {filter} AND w.state = 'in_progress' AND w.lease_expires_at < @now
                ORDER BY w.lease_expires_at LIMIT @max {session.Dialect.SkipLocked("w")})
              AND state = 'in_progress' AND lease_expires_at < @now
            RETURNING id AS Id, tenant_id AS TenantId, state AS State, attempts AS Attempts, job_id AS JobId;
            """, parameters)).ToList();
        await AppendEventsAsync(session, [.. moved.Select(m => new EventInsert(m.TenantId, m.Id, now, "lease_expired", m.Attempts, m.JobId,
            m.State == "pending" ? "Back in the queue." : "Its attempts are spent: failed."))]);
        return moved.Count;
    }

    internal sealed record EventInsert(string TenantId, string ItemId, DateTimeOffset At, string Type, int Attempt, string? JobId, string? Detail);

    private static async Task AppendEventsAsync(StoreSession session, IReadOnlyList<EventInsert> events)
    {
        foreach (var step in events)
        {
            await session.ExecuteAsync(
                """
                INSERT INTO work_item_events (tenant_id, item_id, at, type, attempt, job_id, detail)
                VALUES (@TenantId, @ItemId, @At, @Type, @Attempt, @JobId, @Detail);
                """, step);
        }
    }

    /// <summary>Whole milliseconds, as stored, so records built here read back the same.</summary>
    private DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());

    private sealed class ConcurrentDuplicateException : Exception;
}
