using Dapper;
using Microsoft.Data.Sqlite;

namespace Baton.Storage.Sqlite;

/// <summary>
/// Connections to one SQLite file. Every write goes through one in-process gate and a
/// <c>BEGIN IMMEDIATE</c> transaction, so writers never race for the file lock and a
/// read-then-update inside a write is atomic; reads use their own pooled connections and,
/// thanks to WAL, never wait for writers.
/// </summary>
internal sealed partial class SqliteDatabase : IDisposable
{
    private const int BusyTimeoutMs = 10_000;
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
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
            // Per-connection settings; WAL itself is persistent in the file (set by the migrator).
            await connection.ExecuteAsync(
                new CommandDefinition($"PRAGMA busy_timeout = {BusyTimeoutMs}; PRAGMA synchronous = NORMAL;", cancellationToken: cancellationToken));
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <paramref name="work"/> in one write transaction under the write gate; commits when it returns.</summary>
    public async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        var waitStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        var free = _writeGate.Wait(0, CancellationToken.None);
        if (!free) await _writeGate.WaitAsync(cancellationToken);
        foreach (var observer in Volatile.Read(ref _gateObservers)) observer(free ? TimeSpan.Zero : System.Diagnostics.Stopwatch.GetElapsedTime(waitStarted));
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            // deferred: false is BEGIN IMMEDIATE: the write lock is taken up front, not on first write.
            await using var transaction = connection.BeginTransaction(deferred: false);
            var result = await work(connection, transaction);
            // The work is done: do not let a late cancellation throw it away.
            await transaction.CommitAsync(CancellationToken.None);
            return result;
        }
        finally
        {
            _writeGate.Release();
        }
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
        _writeGate.Dispose();
    }
}
