using Amazon.S3;
using Amazon.S3.Model;
using Baton.Storage.Blobs;

namespace Baton.Storage.Tests.Blobs;

/// <summary>
/// The S3-compatible server the blob tests run against: <c>BATON_TEST_S3</c> is its endpoint
/// (e.g. <c>http://127.0.0.1:4568</c>), set by <c>eval "$(scripts/test-s3.sh start)"</c>, which
/// runs s3rver. Without it the S3 tests fail; they never skip.
/// </summary>
internal static class S3TestServer
{
    public const string EnvironmentVariable = "BATON_TEST_S3";

    /// <summary>The credentials s3rver accepts out of the box.</summary>
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    public static string Endpoint
    {
        get
        {
            var endpoint = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (string.IsNullOrWhiteSpace(endpoint))
            {
                throw new InvalidOperationException(
                    $"{EnvironmentVariable} is not set: start the throwaway S3 server with  eval \"$(scripts/test-s3.sh start)\"  " +
                    "(it prints the export line), or point it at another S3-compatible endpoint.");
            }
            return endpoint;
        }
    }

    /// <summary>A bucket name no other test uses (S3 names: lower case, at most 63 characters).</summary>
    public static string NewBucketName() => $"baton-test-{Guid.NewGuid():N}"[..40];

    public static S3BlobStoreOptions Options(string bucket, string? prefix = null) => new()
    {
        ServiceUrl = Endpoint,
        Bucket = bucket,
        Prefix = prefix,
        AccessKey = AccessKey,
        SecretKey = SecretKey,
    };

    /// <summary>Every key in the bucket under the prefix (paged).</summary>
    public static async Task<List<string>> ListKeysAsync(IAmazonS3 client, string bucket, string prefix)
    {
        var keys = new List<string>();
        string? continuation = null;
        do
        {
            var page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix, ContinuationToken = continuation });
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            continuation = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (continuation is not null);
        return keys;
    }

    /// <summary>Deletes the bucket and everything in it; a bucket that was never created is fine.</summary>
    public static async Task DeleteBucketAsync(IAmazonS3 client, string bucket)
    {
        try
        {
            foreach (var key in await ListKeysAsync(client, bucket, ""))
            {
                await client.DeleteObjectAsync(bucket, key);
            }
            await client.DeleteBucketAsync(bucket);
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchBucket")
        {
        }
    }
}
