using System.Net;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Baton.Storage.Blobs;

/// <summary>
/// Blobs as objects <c>{prefix}sha256/ab/abcdef…</c> in an S3 bucket (AWS, MinIO, s3rver, …), with
/// the same semantics as <see cref="FileSystemBlobStore"/>. The content is hashed while it is
/// copied aside (in memory, or a temporary file when large), so the key is known before anything
/// is sent; content already present is not uploaded again. Objects are written whole or not at
/// all (S3 has no partial objects), so a reader never sees half a blob.
/// </summary>
public sealed class S3BlobStore : IBlobStore, IDisposable
{
    /// <summary>Content up to this size is hashed in memory; larger content spills to a temporary file.</summary>
    private const long InMemoryLimitBytes = 4L * 1024 * 1024;

    private readonly IAmazonS3 _client;
    private readonly S3BlobStoreOptions _options;
    private readonly string _prefix;
    private readonly Lock _bucketGate = new();
    private Task? _bucketReady;

    public S3BlobStore(S3BlobStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Bucket);
        if (options.PartSizeBytes < 5L * 1024 * 1024) throw new ArgumentException("PartSizeBytes must be at least 5 MiB (the S3 minimum).", nameof(options));
        _client = CreateClient(options);
        _options = options;
        _prefix = S3BlobStoreOptions.NormalizePrefix(options.Prefix);
    }

    /// <summary>
    /// An S3 client for the options. AWSSDK v4 sends CRC checksums (and chunked trailers) on every
    /// upload by default; S3-compatible servers such as s3rver do not understand them, and the
    /// blob's SHA-256 key already proves its content, so checksums are only sent when S3 demands them.
    /// </summary>
    public static IAmazonS3 CreateClient(S3BlobStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var region = string.IsNullOrWhiteSpace(options.Region) ? "us-east-1" : options.Region;
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (options.ServiceUrl is null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        else
        {
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = region;
            config.UseHttp = options.ServiceUrl.StartsWith("http://", StringComparison.OrdinalIgnoreCase);
        }

        if (options.AccessKey is null && options.SecretKey is null) return new AmazonS3Client(config);
        if (options.AccessKey is null || options.SecretKey is null)
        {
            throw new ArgumentException("Give both the S3 access key and the secret key, or neither (then the AWS default credentials apply).", nameof(options));
        }
        return new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
    }

    /// <summary>The object key of a blob (its SHA-256 checked first), once the bucket is there.</summary>
    private async Task<string> KeyForAsync(string sha256, CancellationToken cancellationToken)
    {
        var key = $"{_prefix}sha256/{BlobKeys.Checked(sha256)[..2]}/{sha256}";
        await EnsureBucketAsync(cancellationToken);
        return key;
    }

    public async Task<BlobInfo> PutAsync(Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        await using var spool = await SpooledContent.CopyAsync(content, InMemoryLimitBytes, cancellationToken);
        var key = await KeyForAsync(spool.Sha256, cancellationToken);
        if (!await ObjectExistsAsync(key, cancellationToken))
        {
            // Two writers racing on the same content both upload the same bytes: harmless.
            await UploadAsync(key, spool, cancellationToken);
        }
        return new BlobInfo(spool.Sha256, spool.SizeBytes);
    }

    public async Task<Stream?> OpenReadAsync(string sha256, CancellationToken cancellationToken)
    {
        var key = await KeyForAsync(sha256, cancellationToken);
        try
        {
            var response = await _client.GetObjectAsync(new GetObjectRequest { BucketName = _options.Bucket, Key = key }, cancellationToken);
            // Disposing the response stream releases the HTTP response with it.
            return response.ResponseStream;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<bool> ExistsAsync(string sha256, CancellationToken cancellationToken) =>
        await ObjectExistsAsync(await KeyForAsync(sha256, cancellationToken), cancellationToken);

    public async Task DeleteAsync(string sha256, CancellationToken cancellationToken)
    {
        var key = await KeyForAsync(sha256, cancellationToken);
        // S3 answers 204 for a key that is not there, which makes a second delete a no-op.
        await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _options.Bucket, Key = key }, cancellationToken);
    }

    public void Dispose() => _client.Dispose();

    /// <summary>Creates the bucket on first use; once it is known to exist, no more requests are spent on it.</summary>
    private Task EnsureBucketAsync(CancellationToken cancellationToken)
    {
        lock (_bucketGate)
        {
            // A failed attempt (server down, no permission) is retried by the next call.
            if (_bucketReady is null || _bucketReady.IsFaulted || _bucketReady.IsCanceled)
            {
                _bucketReady = CreateBucketIfMissingAsync(cancellationToken);
            }
            return _bucketReady;
        }
    }

    private async Task CreateBucketIfMissingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _client.HeadBucketAsync(new HeadBucketRequest { BucketName = _options.Bucket }, cancellationToken);
            return;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
        }

        var request = new PutBucketRequest { BucketName = _options.Bucket };
        if (_options.ServiceUrl is null && _options.Region is { } region && region != "us-east-1")
        {
            request.BucketRegionName = region;
        }
        try
        {
            await _client.PutBucketAsync(request, cancellationToken);
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode is "BucketAlreadyOwnedByYou")
        {
            // Another replica (or another store in this process) created it first.
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode is "BucketAlreadyExists")
        {
            // s3rver says this for its own buckets; AWS says it when someone else owns the name.
            try
            {
                await _client.HeadBucketAsync(new HeadBucketRequest { BucketName = _options.Bucket }, cancellationToken);
            }
            catch (AmazonS3Exception)
            {
                throw new InvalidOperationException($"The bucket '{_options.Bucket}' exists but belongs to someone else; choose another name.", ex);
            }
        }
    }

    private async Task<bool> ObjectExistsAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            await _client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = _options.Bucket, Key = key }, cancellationToken);
            return true;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private async Task UploadAsync(string key, SpooledContent spool, CancellationToken cancellationToken)
    {
        if (spool.SizeBytes < _options.MultipartThresholdBytes)
        {
            await _client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = _options.Bucket,
                Key = key,
                InputStream = spool.Content,
                AutoCloseStream = false,
                ContentType = "application/octet-stream",
                UseChunkEncoding = false,
            }, cancellationToken);
            return;
        }

        await UploadInPartsAsync(key, spool, cancellationToken);
    }

    /// <summary>
    /// A multipart upload done by hand rather than with TransferUtility: TransferUtility sends
    /// parts with aws-chunked signing over plain HTTP, which s3rver stores verbatim (chunk headers
    /// and all), silently corrupting the blob. Each part is sent whole with its length known.
    /// </summary>
    private async Task UploadInPartsAsync(string key, SpooledContent spool, CancellationToken cancellationToken)
    {
        var started = await _client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = _options.Bucket,
            Key = key,
            ContentType = "application/octet-stream",
        }, cancellationToken);
        try
        {
            var parts = new List<PartETag>();
            var buffer = new byte[(int)Math.Min(_options.PartSizeBytes, spool.SizeBytes)];
            spool.Content.Position = 0;
            for (var partNumber = 1; ; partNumber++)
            {
                var length = await spool.Content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
                if (length == 0) break;
                using var part = new MemoryStream(buffer, 0, length, writable: false);
                var uploaded = await _client.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _options.Bucket,
                    Key = key,
                    UploadId = started.UploadId,
                    PartNumber = partNumber,
                    InputStream = part,
                    PartSize = length,
                    IsLastPart = spool.Content.Position == spool.SizeBytes,
                    UseChunkEncoding = false,
                }, cancellationToken);
                parts.Add(new PartETag(partNumber, uploaded.ETag));
            }
            await _client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
            {
                BucketName = _options.Bucket,
                Key = key,
                UploadId = started.UploadId,
                PartETags = parts,
            }, cancellationToken);
        }
        catch
        {
            // Parts of an unfinished upload are billed until aborted; the upload itself is the error to report.
            try
            {
                await _client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest
                {
                    BucketName = _options.Bucket,
                    Key = key,
                    UploadId = started.UploadId,
                }, CancellationToken.None);
            }
            catch (AmazonServiceException)
            {
            }
            throw;
        }
    }
}
