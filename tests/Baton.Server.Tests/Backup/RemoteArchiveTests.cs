using Amazon.S3.Model;
using Baton.Core.Jobs;
using Baton.Server.Backup;
using Baton.Storage.Blobs;
using Baton.Storage.Sqlite;

namespace Baton.Server.Tests.Backup;

/// <summary>Backup archives written to and read from an S3-compatible server (s3rver from scripts/test-s3.sh).</summary>
public sealed class RemoteArchiveTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("baton-remote-backup-").FullName;

    private static string Endpoint => Environment.GetEnvironmentVariable("BATON_TEST_S3") is { Length: > 0 } endpoint
        ? endpoint
        : throw new InvalidOperationException("BATON_TEST_S3 is not set: eval \"$(scripts/test-s3.sh start)\" (./test.sh does).");

    private static string? S3rverCredentials(string name) => name switch
    {
        S3BlobStoreOptions.AccessKeyVariable or S3BlobStoreOptions.SecretKeyVariable => "S3RVER",
        _ => null,
    };

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task An_archive_uploaded_to_s3_downloads_and_verifies()
    {
        var data = Path.Combine(_root, "data");
        await using (var store = new SqliteBatonStore(new SqliteStoreOptions { DatabasePath = Path.Combine(data, "baton.db") }, TimeProvider.System, RetryPolicy.Default))
        {
            await store.MigrateAsync(default);
        }
        var local = Path.Combine(_root, "local.tar.gz");
        await EmbeddedBackup.CreateAsync(data, new FileSystemBlobStore(Path.Combine(data, "blobs")), local, includeMasterKey: false, TimeProvider.System, default);

        var bucket = $"baton-backup-{Guid.NewGuid():N}"[..40];
        var location = $"s3://{bucket}/nightly/baton.tar.gz?endpoint={Endpoint}";
        using (var client = S3BlobStore.CreateClient(RemoteArchive.Parse(location, S3rverCredentials).Options))
        {
            await client.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        }
        await RemoteArchive.UploadAsync(local, location, default, S3rverCredentials);
        var downloaded = Path.Combine(_root, "downloaded.tar.gz");
        await RemoteArchive.DownloadAsync(location, downloaded, default, S3rverCredentials);
        Assert.Equal(await File.ReadAllBytesAsync(local), await File.ReadAllBytesAsync(downloaded));
        var check = await EmbeddedBackup.VerifyAsync(downloaded, Path.Combine(_root, "verify"), default);
        Assert.True(check.Manifest.SchemaVersion > 0);

        var missing = await Assert.ThrowsAsync<BackupRefusedException>(() =>
            RemoteArchive.DownloadAsync($"s3://{bucket}/nope.tar.gz?endpoint={Endpoint}", Path.Combine(_root, "nope"), default, S3rverCredentials));
        Assert.Contains("There is no archive at", missing.Message, StringComparison.Ordinal);
        Assert.Throws<BackupRefusedException>(() => RemoteArchive.Parse($"s3://{bucket}/folder/"));
    }
}
