using Baton.Storage.Blobs;

namespace Baton.Storage.Tests.Blobs;

/// <summary>The blob contract on the filesystem store, in a fresh temporary folder.</summary>
public sealed class FileSystemBlobStoreTests : BlobStoreContractTests
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "baton-blob-tests", Guid.NewGuid().ToString("N"));

    protected override Task<IBlobStore> CreateStoreAsync() => Task.FromResult<IBlobStore>(new FileSystemBlobStore(_root));

    protected override Task<int> CountStoredBlobsAsync() => Task.FromResult(Directory.GetFiles(_root, "*", SearchOption.AllDirectories).Length);

    protected override Task DeleteStoreAsync()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Blobs_fan_out_by_their_first_two_hex_characters_and_leave_no_temporary_files()
    {
        var info = await Store.PutAsync(new MemoryStream([9, 8, 7]), CancellationToken.None);

        var file = Assert.Single(Directory.GetFiles(_root, "*", SearchOption.AllDirectories));
        Assert.Equal(Path.Combine(_root, "sha256", info.Sha256[..2], info.Sha256), file);
    }
}
