using Baton.Core.Jobs;
using Baton.Storage;
using Baton.Storage.Blobs;
using Baton.Storage.Postgres;
using Baton.Storage.Sqlite;

namespace Baton.Server.Hosting;

/// <summary>The one place that turns settings into a storage backend and a blob store.</summary>
public static class StoreFactory
{
    public static IBatonStore Create(ServerOptions options, TimeProvider time)
    {
        var retry = new RetryPolicy(options.RetryBaseDelay, options.RetryMaxDelay);
        return options.Storage switch
        {
            "postgres" => new PostgresBatonStore(new PostgresStoreOptions
            {
                ConnectionString = options.Postgres!,
                MigrationConnectionString = options.PostgresMigration,
                ReadConnectionString = options.PostgresRead,
                StatementTimeout = options.StatementTimeout,
            }, time, retry),
            _ => new SqliteBatonStore(new SqliteStoreOptions { DatabasePath = Path.Combine(options.DataDirectory, "baton.db") }, time, retry),
        };
    }

    public static IBlobStore CreateBlobs(ServerOptions options) =>
        new FileSystemBlobStore(string.IsNullOrWhiteSpace(options.Blobs) ? Path.Combine(options.DataDirectory, "blobs") : options.Blobs);
}
