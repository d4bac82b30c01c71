using Baton.Storage.Sqlite;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Baton.Storage.Tests.Sqlite;

/// <summary>
/// SQLite's group commit (<see cref="SqliteWriteGroup"/>): writes that wait for the writer share one transaction, each is
/// answered only after the commit, and one that fails or is cancelled leaves the others' rows in place.
/// </summary>
public sealed class SqliteWriteGroupTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "baton-write-group-" + Guid.NewGuid().ToString("N"));
    private readonly SqliteDatabase _database;

    public SqliteWriteGroupTests()
    {
        _database = new SqliteDatabase(Path.Combine(_folder, "baton.db"));
        _database.WriteAsync((connection, transaction) =>
            connection.ExecuteAsync("CREATE TABLE notes (text TEXT NOT NULL UNIQUE);", transaction: transaction), CancellationToken.None).GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        _database.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Writes_that_wait_for_the_writer_share_one_transaction_and_are_answered_after_its_commit()
    {
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = _database.WriteAsync(async (connection, transaction) =>
        {
            await InsertAsync(connection, transaction, "first");
            holding.SetResult();
            await release.Task;
            return connection;
        }, CancellationToken.None);
        await holding.Task;

        var waiting = Enumerable.Range(0, 5).Select(i => _database.WriteAsync(async (connection, transaction) =>
        {
            await InsertAsync(connection, transaction, $"waiting {i}");
            return connection;
        }, CancellationToken.None)).ToList();
        await Task.Delay(50);
        Assert.All(waiting, write => Assert.False(write.IsCompleted));
        Assert.Equal(0, await CountAsync("waiting %")); // nothing of theirs is visible before their commit

        release.SetResult();
        var firstConnection = await first;
        var connections = await Task.WhenAll(waiting);

        Assert.Single(connections.Distinct());
        Assert.NotSame(firstConnection, connections[0]);
        Assert.Equal(5, await CountAsync("waiting %"));
    }

    [Fact]
    public async Task A_write_that_throws_fails_alone_and_the_rest_of_its_group_commits()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = HoldTheWriterAsync(release.Task);

        var before = _database.WriteAsync((c, t) => InsertAsync(c, t, "before"), CancellationToken.None);
        var failing = _database.WriteAsync<int>(async (connection, transaction) =>
        {
            await InsertAsync(connection, transaction, "half-written");
            throw new InvalidOperationException("the work failed");
        }, CancellationToken.None);
        var duplicate = _database.WriteAsync((c, t) => InsertAsync(c, t, "before"), CancellationToken.None); // UNIQUE violation
        var after = _database.WriteAsync((c, t) => InsertAsync(c, t, "after"), CancellationToken.None);
        release.SetResult();
        await holder;

        Assert.Equal(1, await before);
        Assert.Equal("the work failed", (await Assert.ThrowsAsync<InvalidOperationException>(() => failing)).Message);
        await Assert.ThrowsAsync<SqliteException>(() => duplicate);
        Assert.Equal(1, await after);
        Assert.Equal(0, await CountAsync("half-written"));
        Assert.Equal(1, await CountAsync("before"));
        Assert.Equal(1, await CountAsync("after"));
    }

    [Fact]
    public async Task A_write_cancelled_while_it_waits_never_runs()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = HoldTheWriterAsync(release.Task);
        using var cancel = new CancellationTokenSource();
        var ran = false;
        var cancelled = _database.WriteAsync((c, t) =>
        {
            ran = true;
            return InsertAsync(c, t, "cancelled");
        }, cancel.Token);
        var next = _database.WriteAsync((c, t) => InsertAsync(c, t, "next"), CancellationToken.None);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        release.SetResult();
        await holder;
        await next;

        Assert.False(ran);
        Assert.Equal(0, await CountAsync("cancelled"));
        Assert.Equal(1, await CountAsync("next"));
    }

    [Fact]
    public async Task Many_concurrent_writes_each_commit_once()
    {
        var writes = Enumerable.Range(0, 500).Select(i => Task.Run(() => _database.WriteAsync((c, t) => InsertAsync(c, t, $"row {i}"), CancellationToken.None)));
        var inserted = await Task.WhenAll(writes);
        Assert.All(inserted, count => Assert.Equal(1, count));
        Assert.Equal(500, await CountAsync("row %"));
    }

    /// <summary>A write that keeps the writer until <paramref name="release"/> completes.</summary>
    private Task<int> HoldTheWriterAsync(Task release) => _database.WriteAsync(async (_, _) =>
    {
        await release;
        return 0;
    }, CancellationToken.None);

    private static Task<int> InsertAsync(SqliteConnection connection, SqliteTransaction transaction, string text) =>
        connection.ExecuteAsync("INSERT INTO notes (text) VALUES (@text);", new { text }, transaction);

    private Task<int> CountAsync(string pattern) =>
        _database.ReadAsync(connection => connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM notes WHERE text LIKE @pattern;", new { pattern }), CancellationToken.None);
}
