using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Baton.Storage.Sqlite;

/// <summary>
/// Group commit for SQLite's single writer. The writes that queued while the last transaction ran share the next one:
/// one connection, one <c>BEGIN IMMEDIATE</c>, one commit, so the file's write-ahead log takes the pages they share once
/// instead of once per write. Each write runs inside its own savepoint, in arrival order; one that throws is rolled back
/// to its savepoint and fails alone, the others commit. No write is answered before the commit: a caller told "done"
/// has its rows on disk, and when the commit fails every write of the group fails with it.
/// </summary>
/// <remarks>
/// The writes of one group never depend on each other: each caller is still waiting for its answer, so none can have
/// read another's uncommitted result and sent a write built on it. Any order of them is one the gate could have run.
/// </remarks>
internal static class SqliteWriteGroup
{
    private const string Savepoint = "baton_write";

    /// <summary>Runs <paramref name="group"/> (started writes) and answers every one of them, whatever happens.</summary>
    /// <param name="waitObservers">Told how long each write waited for the writer.</param>
    public static async Task RunAsync(SqliteDatabase database, IReadOnlyList<PendingWrite> group, IReadOnlyList<Action<TimeSpan>> waitObservers)
    {
        SqliteConnection? connection = null;
        try
        {
            foreach (var write in group)
            {
                foreach (var observer in waitObservers) observer(write.Waited);
            }
            connection = await database.OpenAsync(CancellationToken.None);
            // deferred: false is BEGIN IMMEDIATE: the write lock is taken up front, not on first write.
            await using var transaction = connection.BeginTransaction(deferred: false);
            if (group.Count == 1)
            {
                // Alone, a write needs no savepoint: if it throws, the transaction is not committed.
                if (!await group[0].RunAsync(connection, transaction))
                {
                    group[0].Answer();
                    return;
                }
            }
            else
            {
                foreach (var write in group)
                {
                    await transaction.SaveAsync(Savepoint);
                    // A write that failed is undone alone; if its savepoint is gone (SQLite rolled the whole transaction
                    // back, as it does on a full disk or I/O error), these throw and the group fails below.
                    if (!await write.RunAsync(connection, transaction)) await transaction.RollbackAsync(Savepoint);
                    await transaction.ReleaseAsync(Savepoint);
                }
            }
            // The work is done: do not let a late cancellation throw it away.
            await transaction.CommitAsync(CancellationToken.None);
            foreach (var write in group) write.Answer();
        }
        catch (Exception ex)
        {
            foreach (var write in group) write.Fail(ex);
        }
        finally
        {
            if (connection is not null) await connection.DisposeAsync();
        }
    }
}

/// <summary>A write waiting for the writer: queued, then run (or cancelled while queued), then answered after the commit.</summary>
internal abstract class PendingWrite
{
    private const int Queued = 0, Started = 1, Cancelled = 2;
    private readonly long _queuedAt = Stopwatch.GetTimestamp();
    private int _state;

    /// <summary>How long it waited for the writer (set when it starts).</summary>
    public TimeSpan Waited { get; private set; }

    /// <summary>Claims the write for the writer; false when its caller cancelled it first (it is answered already).</summary>
    public bool TryStart()
    {
        if (Interlocked.CompareExchange(ref _state, Started, Queued) != Queued) return false;
        Waited = Stopwatch.GetElapsedTime(_queuedAt);
        return true;
    }

    /// <summary>Cancels a write its writer has not started.</summary>
    protected bool TryCancel() => Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued;

    /// <summary>Runs the work in <paramref name="transaction"/>; false when it threw (the exception is kept for <see cref="Answer"/>).</summary>
    public abstract Task<bool> RunAsync(SqliteConnection connection, SqliteTransaction transaction);

    /// <summary>After the commit: the caller gets its result, or the exception its work threw.</summary>
    public abstract void Answer();

    /// <summary>The group failed (nothing of it committed): the caller gets <paramref name="exception"/> unless its own work threw first.</summary>
    public abstract void Fail(Exception exception);
}

internal sealed class PendingWrite<T> : PendingWrite
{
    private readonly Func<SqliteConnection, SqliteTransaction, Task<T>> _work;
    private readonly TaskCompletionSource<T> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenRegistration _cancellation;
    private T? _result;
    private Exception? _error;

    public PendingWrite(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        _work = work;
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.Register(() =>
            {
                if (TryCancel()) _answer.TrySetCanceled(cancellationToken);
            });
        }
    }

    public Task<T> Task => _answer.Task;

    public override async Task<bool> RunAsync(SqliteConnection connection, SqliteTransaction transaction)
    {
        try
        {
            _result = await _work(connection, transaction);
            return true;
        }
        catch (Exception ex)
        {
            _error = ex;
            return false;
        }
    }

    public override void Answer()
    {
        _cancellation.Dispose();
        if (_error is OperationCanceledException canceled) _answer.TrySetCanceled(canceled.CancellationToken);
        else if (_error is not null) _answer.TrySetException(_error);
        else _answer.TrySetResult(_result!);
    }

    public override void Fail(Exception exception)
    {
        if (_error is not null)
        {
            Answer();
            return;
        }
        _cancellation.Dispose();
        _answer.TrySetException(exception);
    }
}
