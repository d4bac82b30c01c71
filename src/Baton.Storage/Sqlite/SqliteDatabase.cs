using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Baton.Storage.Sqlite;

/// <summary>
/// Connections to one SQLite file. Writes run one at a time in this process, in <c>BEGIN IMMEDIATE</c>
/// transactions (writes that wait for each other share one, each in its own savepoint), so writers never
/// race for the file lock and a read-then-update inside a write is atomic; reads use their own pooled
/// connections and, thanks to WAL, never wait for writers.
/// </summary>
internal sealed partial class SqliteDatabase : IDisposable
{
    private const int BusyTimeoutMs = 10_000;

    /// <summary>The most writes one transaction takes.</summary>
    private const int MaxGroup = 64;

    /// <summary>Native connections whose per-connection settings are made.</summary>
    private static readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> Configured = new();

    private readonly string _connectionString;
    private readonly ConcurrentQueue<PendingWrite> _pending = new();
    private int _writing;
    private int _open;
    private readonly Lock _observersGate = new();
    private Action<TimeSpan>[] _gateObservers = [];

    public SqliteDatabase(string databasePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        var fullPath = Path.GetFullPath(databasePath);
        var folder = Path.GetDirectoryName(fullPath);
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            ForeignKeys = true,
            DefaultTimeout = BusyTimeoutMs / 1000,
        }.ToString();
    }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            Interlocked.Increment(ref _open);
            // Closing or disposing it ends its use; the pool may keep it open for the next caller.
            connection.StateChange += (_, change) =>
            {
                if (change.OriginalState == System.Data.ConnectionState.Open && change.CurrentState == System.Data.ConnectionState.Closed)
                {
                    Interlocked.Decrement(ref _open);
                }
            };
            // Per-connection settings, once per native connection (the pool hands the same one out again); WAL itself is
            // persistent in the file (set by the migrator).
            if (connection.Handle is { } handle && !Configured.TryGetValue(handle, out _))
            {
                await connection.ExecuteAsync(
                    new CommandDefinition($"PRAGMA busy_timeout = {BusyTimeoutMs}; PRAGMA synchronous = NORMAL;", cancellationToken: cancellationToken));
                Configured.AddOrUpdate(handle, Configured);
            }
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a write transaction and answers once that transaction has committed. Writes never
    /// run at the same time: one writer at a time takes every write waiting for it (up to <see cref="MaxGroup"/>) into one
    /// <c>BEGIN IMMEDIATE</c> transaction, each inside its own savepoint, and commits them together (group commit; see
    /// <see cref="SqliteWriteGroup"/>). A write that throws rolls back to its savepoint and fails alone.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var write = new PendingWrite<T>(work, cancellationToken);
        _pending.Enqueue(write);
        if (Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
        {
            // This caller writes: its own write is in the first group unless MaxGroup others queued before it.
            try
            {
                while (!write.Task.IsCompleted) await WriteGroupAsync();
            }
            finally
            {
                StopOrHandOver();
            }
        }
        return await write.Task;
    }

    /// <summary>Ends this writer's turn; writes that queued meanwhile get a writer of their own on the thread pool.</summary>
    private void StopOrHandOver()
    {
        Volatile.Write(ref _writing, 0);
        if (!_pending.IsEmpty && Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    while (!_pending.IsEmpty) await WriteGroupAsync();
                }
                finally
                {
                    StopOrHandOver();
                }
            });
        }
    }

    /// <summary>Takes the writes waiting now (up to <see cref="MaxGroup"/>) and runs them in one transaction.</summary>
    private async Task WriteGroupAsync()
    {
        var group = new List<PendingWrite>();
        while (group.Count < MaxGroup && _pending.TryDequeue(out var next))
        {
            if (next.TryStart()) group.Add(next); // else cancelled while it waited
        }
        if (group.Count > 0) await SqliteWriteGroup.RunAsync(this, group, Volatile.Read(ref _gateObservers));
    }

    public async Task<T> ReadAsync<T>(Func<SqliteConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        return await work(connection);
    }

    /// <summary>Closes the pooled connections of this file (so it can be moved or deleted).</summary>
    public void Dispose()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }
}
