using Baton.Core.Jobs;
using Baton.Storage.Sqlite;
using Baton.Storage.Tests.Contract;

namespace Baton.Storage.Tests.Sqlite;

/// <summary>SQLite on a real file in a fresh temporary folder (never <c>:memory:</c>), deleted afterwards.</summary>
public sealed class SqliteTestBackend : ITestStoreBackend
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "baton-storage-tests", Guid.NewGuid().ToString("N"));

    public string DatabasePath => Path.Combine(_folder, "baton.db");

    public IBatonStore CreateStore(TimeProvider time, RetryPolicy retryPolicy) =>
        new SqliteBatonStore(new SqliteStoreOptions { DatabasePath = DatabasePath }, time, retryPolicy);

    public ValueTask DisposeAsync()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
        return ValueTask.CompletedTask;
    }
}
