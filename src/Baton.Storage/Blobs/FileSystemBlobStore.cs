namespace Baton.Storage.Blobs;

/// <summary>
/// Blobs as files under <c>root/sha256/ab/abcdef…</c> (the first two hex characters fan out the
/// folders). Content is written to a temporary file in the same folder while it is hashed, then
/// moved into place, so a reader never sees a partial blob and identical content is stored once.
/// </summary>
public sealed class FileSystemBlobStore : IBlobStore
{
    private const int BufferSize = 81_920;
    private readonly string _root;

    public FileSystemBlobStore(string rootFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootFolder);
        _root = Path.Combine(Path.GetFullPath(rootFolder), "sha256");
        Directory.CreateDirectory(_root);
    }

    public async Task<BlobInfo> PutAsync(Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        var tempPath = Path.Combine(_root, $".incoming-{Guid.NewGuid():N}.tmp");
        try
        {
            string sha256;
            long size;
            await using (var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, useAsync: true))
            {
                (sha256, size) = await SpooledContent.HashWhileCopyingAsync(content, (chunk, _) => file.WriteAsync(chunk, cancellationToken), cancellationToken);
                await file.FlushAsync(cancellationToken);
            }

            var target = PathFor(sha256);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            try
            {
                File.Move(tempPath, target, overwrite: false);
            }
            catch (IOException) when (File.Exists(target))
            {
                // The same content is stored already (or another writer stored it first): same bytes, keep theirs.
                File.Delete(tempPath);
            }
            return new BlobInfo(sha256, size);
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
    }

    public Task<Stream?> OpenReadAsync(string sha256, CancellationToken cancellationToken)
    {
        var path = PathFor(sha256);
        try
        {
            Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, BufferSize, useAsync: true);
            return Task.FromResult<Stream?>(stream);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    public Task<bool> ExistsAsync(string sha256, CancellationToken cancellationToken) =>
        Task.FromResult(File.Exists(PathFor(sha256)));

    public Task DeleteAsync(string sha256, CancellationToken cancellationToken)
    {
        File.Delete(PathFor(sha256));
        return Task.CompletedTask;
    }

    /// <summary>The file of a blob (its key checked first).</summary>
    private string PathFor(string sha256) => Path.Combine(_root, BlobKeys.Checked(sha256)[..2], sha256);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
