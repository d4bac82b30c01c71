using Baton.Storage.Model;
using Baton.Storage.Serialization;

namespace Baton.Storage.Relational;

/// <summary>
/// Writes tenant events inside a caller's write transaction, so an event is committed exactly when its cause is.
/// <see cref="AppendAsync"/> numbers them at once from each tenant's <c>event_sequences</c> row, which stays locked until
/// that commit where writers run at once, so ids are handed out and committed in the same order (rare events: alerts,
/// pauses). <see cref="QueueAsync"/> is for busy paths (job endings, agents going offline or online): where the dialect
/// has an outbox (<see cref="SqlDialect.EventOutboxInsert"/>, PostgreSQL) it writes there without any lock and
/// <see cref="SequenceAsync"/> later numbers a whole batch under one lock per tenant; elsewhere (SQLite's single writer)
/// it appends. Callers append last in their transaction and tenants are locked in id order, so two transactions never
/// wait on each other in a cycle.
/// </summary>
internal static class TenantEvents
{
    /// <summary>Events the sequencer numbers in one transaction.</summary>
    private const int SequenceBatch = 5000;

    public static async Task<IReadOnlyList<TenantEventRecord>> AppendAsync(StoreSession session, IReadOnlyList<NewTenantEvent> events, DateTimeOffset now)
    {
        if (events.Count == 0) return [];
        var dialect = session.Dialect;
        var appended = new List<TenantEventRecord>(events.Count);
        foreach (var group in events.GroupBy(e => e.TenantId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var batch = group.ToList();
            var last = await session.ScalarAsync<long>(dialect.EventIdsTaken, new { tenantId = group.Key, count = (long)batch.Count });
            var first = last - batch.Count + 1;
            appended.AddRange(batch.Select((e, i) => new TenantEventRecord(e.TenantId, first + i, e.Type, e.SubjectId, e.Payload, now)));
        }
        await session.ExecuteAsync(dialect.EventsInsert, new
        {
            now,
            tenantIds = ValueList.Of(appended.Select(e => e.TenantId)),
            ids = ValueList.Of(appended.Select(e => e.Id)),
            types = ValueList.Of(appended.Select(e => e.Type)),
            subjects = ValueList.Of(appended.Select(e => e.SubjectId)),
            payloads = ValueList.Of(appended.Select(e => StoredJson.ToText(e.Payload))),
        });
        return appended;
    }

    /// <summary>Writes events of a busy path: to the outbox without a lock where the dialect has one, else appended at once.</summary>
    public static Task QueueAsync(StoreSession session, IReadOnlyList<NewTenantEvent> events, DateTimeOffset now)
    {
        if (events.Count == 0) return Task.CompletedTask;
        if (session.Dialect.EventOutboxInsert is not { } outbox) return AppendAsync(session, events, now);
        return session.ExecuteAsync(outbox, new
        {
            now,
            tenantIds = ValueList.Of(events.Select(e => e.TenantId)),
            types = ValueList.Of(events.Select(e => e.Type)),
            subjects = ValueList.Of(events.Select(e => e.SubjectId)),
            payloads = ValueList.Of(events.Select(e => StoredJson.ToText(e.Payload))),
        });
    }

    /// <summary>
    /// Numbers everything queued in the outbox when it is called, so a reader of <c>events</c> sees it: batches of the oldest
    /// first, each in one system transaction under the sequencer's lock (one sequencer at a time; the tenants' sequence rows
    /// stay locked until the commit, so ids are gap-free and a reader's "after id N" never skips one committed later).
    /// Nothing where events are numbered as they are appended.
    /// </summary>
    public static Task SequenceAsync(IStoreDatabase database, CancellationToken cancellationToken) =>
        database.Dialect.EventOutboxSequence is null ? Task.CompletedTask : SequenceAsync(database, _ => Task.FromResult(true), cancellationToken);

    /// <summary>
    /// <see cref="SequenceAsync(IStoreDatabase, CancellationToken)"/>, then <paramref name="then"/> in the last sequencing
    /// transaction (it sees every event numbered), so a caller that reads right after sequencing spends no transaction of its
    /// own; where nothing is sequenced, <paramref name="then"/> is a system read.
    /// </summary>
    public static async Task<T> SequenceAsync<T>(IStoreDatabase database, Func<StoreSession, Task<T>> then, CancellationToken cancellationToken)
    {
        if (database.Dialect.EventOutboxSequence is not { } sequence) return await database.SystemReadAsync(then, cancellationToken);
        while (true)
        {
            var (full, result) = await database.SystemWriteAsync(async session =>
            {
                await session.LockAsync("event-sequencer");
                if (await session.ExecuteAsync(sequence, new { limit = SequenceBatch }) == SequenceBatch) return (true, default(T));
                return (false, await then(session));
            }, cancellationToken);
            if (!full) return result!;
        }
    }
}
