using Amazon.S3;
using Amazon.S3.Model;
using Baton.Storage.Blobs;

namespace Baton.Server.Backup;

/// <summary>
/// Backup archives in an S3 bucket: <c>s3://BUCKET/KEY[?endpoint=URL]</c>, with endpoint and credentials taken as for
/// the blob store (<see cref="S3BlobStoreOptions"/>). The archive is written locally first and uploaded whole, so an
/// object under the name is always a complete archive; verify and restore download it before reading.
/// </summary>
public static class RemoteArchive
{
    private const long MaxSinglePutBytes = 5L * 1024 * 1024 * 1024;

    public static bool IsS3(string location) => location.StartsWith("s3://", StringComparison.OrdinalIgnoreCase);

    public static (S3BlobStoreOptions Options, string Key) Parse(string location, Func<string, string?>? environment = null)
    {
        var queryStart = location.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? location : location[..queryStart];
        var query = queryStart < 0 ? "" : location[queryStart..];
        var slash = path.IndexOf('/', "s3://".Length);
        var key = slash < 0 ? "" : path[(slash + 1)..];
        if (key.Length == 0 || key.EndsWith('/'))
            throw new BackupRefusedException($"Name the archive in '{location}': s3://BUCKET/path/name.tar.gz.");
        try
        {
            return (S3BlobStoreOptions.Parse(path[..slash] + query, environment ?? Environment.GetEnvironmentVariable), key);
        }
        catch (ArgumentException e)
        {
            throw new BackupRefusedException(e.Message, e);
        }
    }

    /// <param name="environment">Where endpoint and credentials come from (default: the process environment).</param>
    public static async Task UploadAsync(string file, string location, CancellationToken ct, Func<string, string?>? environment = null)
    {
        var (options, key) = Parse(location, environment);
        if (new FileInfo(file).Length > MaxSinglePutBytes)
            throw new BackupRefusedException($"The archive is over 5 GB, the most one S3 PUT takes; write it to a file and upload it with a multipart tool (aws s3 cp).");
        using var client = S3BlobStore.CreateClient(options);
        // One PUT of the whole file, without aws-chunked encoding: S3-compatible servers that do not decode it
        // (s3rver among them) would store the chunk framing as content.
        await client.PutObjectAsync(new PutObjectRequest { BucketName = options.Bucket, Key = key, FilePath = file, UseChunkEncoding = false }, ct);
    }

    public static async Task DownloadAsync(string location, string file, CancellationToken ct, Func<string, string?>? environment = null)
    {
        var (options, key) = Parse(location, environment);
        using var client = S3BlobStore.CreateClient(options);
        try
        {
            using var response = await client.GetObjectAsync(new GetObjectRequest { BucketName = options.Bucket, Key = key }, ct);
            await using var target = File.Create(file);
            await response.ResponseStream.CopyToAsync(target, ct);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            throw new BackupRefusedException($"There is no archive at {location}.", e);
        }
    }
}
