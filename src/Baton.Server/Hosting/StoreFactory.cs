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

    /// <summary>A folder path, or <c>s3://BUCKET[/PREFIX][?endpoint=…]</c> for an S3-compatible object store.</summary>
    public static IBlobStore CreateBlobs(ServerOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Blobs)) return new FileSystemBlobStore(Path.Combine(options.DataDirectory, "blobs"));
        return options.Blobs.StartsWith("s3://", StringComparison.OrdinalIgnoreCase)
            ? new S3BlobStore(S3BlobStoreOptions.Parse(options.Blobs))
            : new FileSystemBlobStore(options.Blobs);
    }
}
