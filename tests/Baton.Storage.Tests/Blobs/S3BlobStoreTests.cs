using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using Baton.Storage.Blobs;

namespace Baton.Storage.Tests.Blobs;

/// <summary>
/// The blob contract on the S3 store against a real S3-compatible server (s3rver from
/// scripts/test-s3.sh), each test in a bucket of its own that the store creates on first use.
/// </summary>
public sealed class S3BlobStoreTests : BlobStoreContractTests
{
    private const string Prefix = "tenant-a/blobs/";
    private readonly string _bucket = S3TestServer.NewBucketName();
    private readonly List<S3BlobStore> _stores = [];
    private IAmazonS3? _client;

    private IAmazonS3 Client => _client ??= S3BlobStore.CreateClient(S3TestServer.Options(_bucket));

    protected override Task<IBlobStore> CreateStoreAsync() => Task.FromResult<IBlobStore>(NewStore(S3TestServer.Options(_bucket, Prefix)));

    protected override async Task<int> CountStoredBlobsAsync() => (await S3TestServer.ListKeysAsync(Client, _bucket, "")).Count;

    protected override async Task DeleteStoreAsync()
    {
        if (Environment.GetEnvironmentVariable(S3TestServer.EnvironmentVariable) is not { Length: > 0 }) return;
        await S3TestServer.DeleteBucketAsync(Client, _bucket);
        foreach (var store in _stores) store.Dispose();
        _client?.Dispose();
    }

    private S3BlobStore NewStore(S3BlobStoreOptions options)
    {
        var store = new S3BlobStore(options);
        _stores.Add(store);
        return store;
    }

    [Fact]
    public async Task Blobs_are_keyed_under_the_prefix_by_their_first_two_hex_characters()
    {
        var info = await Store.PutAsync(new MemoryStream([9, 8, 7]), CancellationToken.None);

        var key = Assert.Single(await S3TestServer.ListKeysAsync(Client, _bucket, ""));
        Assert.Equal($"{Prefix}sha256/{info.Sha256[..2]}/{info.Sha256}", key);
    }

    [Fact]
    public async Task Content_already_stored_is_not_uploaded_again()
    {
        var bytes = Encoding.UTF8.GetBytes("package v1");
        var info = await Store.PutAsync(new MemoryStream(bytes), CancellationToken.None);
        // Change the object behind the store's back: a second upload of the same content would undo this.
        var key = $"{Prefix}sha256/{info.Sha256[..2]}/{info.Sha256}";
        await Client.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = key, ContentBody = "marker", UseChunkEncoding = false });

        var again = await Store.PutAsync(new MemoryStream(bytes), CancellationToken.None);

        Assert.Equal(info, again);
        await using var read = await Store.OpenReadAsync(info.Sha256, CancellationToken.None);
        Assert.NotNull(read);
        using var reader = new StreamReader(read);
        Assert.Equal("marker", await reader.ReadToEndAsync());
        Assert.Equal(1, await CountStoredBlobsAsync());
    }

    [Fact]
    public async Task A_multi_megabyte_blob_goes_up_in_parts_and_reads_back_byte_for_byte()
    {
        var store = NewStore(new S3BlobStoreOptions
        {
            ServiceUrl = S3TestServer.Endpoint,
            Bucket = _bucket,
            Prefix = "multipart",
            AccessKey = S3TestServer.AccessKey,
            SecretKey = S3TestServer.SecretKey,
            MultipartThresholdBytes = 5L * 1024 * 1024,
            PartSizeBytes = 5L * 1024 * 1024,
        });
        var bytes = new byte[12 * 1024 * 1024 + 5];
        new Random(7).NextBytes(bytes);

        var info = await store.PutAsync(new MemoryStream(bytes), CancellationToken.None);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), info.Sha256);
        Assert.Equal(bytes.LongLength, info.SizeBytes);
        await using var read = await store.OpenReadAsync(info.Sha256, CancellationToken.None);
        Assert.NotNull(read);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        Assert.Equal(bytes.Length, copy.Length);
        Assert.True(bytes.AsSpan().SequenceEqual(copy.ToArray()), "the blob read back differs from the one stored");
        Assert.Equal(["multipart/sha256/" + info.Sha256[..2] + "/" + info.Sha256], await S3TestServer.ListKeysAsync(Client, _bucket, "multipart/"));
    }

    [Fact]
    public async Task Stores_racing_to_create_the_same_missing_bucket_all_succeed()
    {
        var stores = Enumerable.Range(0, 4).Select(i => NewStore(S3TestServer.Options(_bucket, $"racer-{i}"))).ToList();

        var infos = await Task.WhenAll(stores.Select((s, i) => s.PutAsync(new MemoryStream([(byte)i]), CancellationToken.None)));

        for (var i = 0; i < stores.Count; i++)
        {
            Assert.True(await stores[i].ExistsAsync(infos[i].Sha256, CancellationToken.None));
        }
        Assert.Equal(4, await CountStoredBlobsAsync());
    }

    [Fact]
    public async Task A_refused_key_is_refused_before_any_request()
    {
        // Nothing listens on port 9 (discard): a request would fail with a network error, not ArgumentException.
        using var offline = new S3BlobStore(new S3BlobStoreOptions
        {
            ServiceUrl = "http://127.0.0.1:9",
            Bucket = "never-contacted",
            AccessKey = "x",
            SecretKey = "y",
        });

        await Assert.ThrowsAsync<ArgumentException>(() => offline.ExistsAsync("../etc/passwd", CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => offline.OpenReadAsync(new string('A', 64), CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => offline.DeleteAsync("abc", CancellationToken.None));
    }
}
