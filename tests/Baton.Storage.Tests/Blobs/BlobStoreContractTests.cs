using System.Security.Cryptography;
using System.Text;
using Baton.Storage.Blobs;

namespace Baton.Storage.Tests.Blobs;

/// <summary>The blob store contract: content addressed by SHA-256, stored once, keys checked.</summary>
public abstract class BlobStoreContractTests : IAsyncLifetime
{
    private IBlobStore? _store;

    protected IBlobStore Store => _store ?? throw new InvalidOperationException("Not initialised.");

    protected abstract Task<IBlobStore> CreateStoreAsync();

    /// <summary>How many blobs the backend physically holds (to prove identical content is stored once).</summary>
    protected abstract Task<int> CountStoredBlobsAsync();

    protected abstract Task DeleteStoreAsync();

    public async Task InitializeAsync() => _store = await CreateStoreAsync();

    public Task DisposeAsync() => DeleteStoreAsync();

    private static string Sha256Of(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    [Fact]
    public async Task A_blob_is_stored_under_its_sha256_and_read_back()
    {
        var bytes = Encoding.UTF8.GetBytes("print('hello')\n");

        var info = await Store.PutAsync(new MemoryStream(bytes), CancellationToken.None);

        Assert.Equal(Sha256Of(bytes), info.Sha256);
        Assert.Equal(bytes.Length, info.SizeBytes);
        Assert.True(await Store.ExistsAsync(info.Sha256, CancellationToken.None));
        await using var read = await Store.OpenReadAsync(info.Sha256, CancellationToken.None);
        Assert.NotNull(read);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public async Task A_large_blob_streams_through_with_the_right_hash()
    {
        var bytes = new byte[3 * 1024 * 1024 + 17];
        new Random(42).NextBytes(bytes);

        var info = await Store.PutAsync(new MemoryStream(bytes), CancellationToken.None);

        Assert.Equal(Sha256Of(bytes), info.Sha256);
        Assert.Equal(bytes.LongLength, info.SizeBytes);
    }

    [Fact]
    public async Task Identical_content_is_stored_once()
    {
        var bytes = Encoding.UTF8.GetBytes("same bytes");

        var first = await Store.PutAsync(new MemoryStream(bytes), CancellationToken.None);
        var second = await Store.PutAsync(new MemoryStream(bytes), CancellationToken.None);
        await Store.PutAsync(new MemoryStream(Encoding.UTF8.GetBytes("other bytes")), CancellationToken.None);

        Assert.Equal(first, second);
        Assert.Equal(2, await CountStoredBlobsAsync());
    }

    [Fact]
    public async Task A_deleted_blob_is_gone_and_an_absent_blob_reads_as_null()
    {
        var info = await Store.PutAsync(new MemoryStream([1, 2, 3]), CancellationToken.None);

        await Store.DeleteAsync(info.Sha256, CancellationToken.None);
        await Store.DeleteAsync(info.Sha256, CancellationToken.None);

        Assert.False(await Store.ExistsAsync(info.Sha256, CancellationToken.None));
        Assert.Null(await Store.OpenReadAsync(info.Sha256, CancellationToken.None));
        Assert.Equal(0, await CountStoredBlobsAsync());
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("../../../../etc/passwd")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg")]
    [InlineData("../aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task A_key_that_is_not_a_lower_case_sha256_is_refused(string key)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.OpenReadAsync(key, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ExistsAsync(key, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.DeleteAsync(key, CancellationToken.None));
    }
}
