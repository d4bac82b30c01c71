using System.Security.Cryptography;

namespace Baton.Storage.Blobs;

/// <summary>
/// A copy of a stream taken while hashing it, so a store can learn the SHA-256 (its key) before it
/// uploads. Small content stays in memory; past <c>memoryLimitBytes</c> it spills into a temporary
/// file that is deleted when the spool is disposed.
/// </summary>
internal sealed class SpooledContent(Stream content, string sha256, long size) : IAsyncDisposable
{
    private const int BufferSize = 81_920;

    /// <summary>The bytes, seekable, positioned at the start.</summary>
    public Stream Content { get; } = content;

    public string Sha256 { get; } = sha256;

    public long SizeBytes { get; } = size;

    public static async Task<SpooledContent> CopyAsync(Stream source, long memoryLimitBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        Stream spool = new MemoryStream();
        try
        {
            var (sha256, size) = await HashWhileCopyingAsync(source, async (chunk, copied) =>
            {
                if (spool is MemoryStream memory && copied > memoryLimitBytes) spool = await SpillToFileAsync(memory, cancellationToken);
                await spool.WriteAsync(chunk, cancellationToken);
            }, cancellationToken);
            await spool.FlushAsync(cancellationToken);
            spool.Position = 0;
            return new SpooledContent(spool, sha256, size);
        }
        catch
        {
            await spool.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Reads <paramref name="source"/> to its end, hashing it and handing each chunk to <paramref name="write"/> with the bytes read
    /// so far (the chunk's included); answers the SHA-256 (lower-case hex) and the size.
    /// </summary>
    public static async Task<(string Sha256, long Size)> HashWhileCopyingAsync(
        Stream source, Func<ReadOnlyMemory<byte>, long, ValueTask> write, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[BufferSize];
        long size = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            size += read;
            await write(buffer.AsMemory(0, read), size);
        }
        return (Convert.ToHexStringLower(hash.GetHashAndReset()), size);
    }

    public ValueTask DisposeAsync() => Content.DisposeAsync();

    private static async Task<Stream> SpillToFileAsync(MemoryStream memory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"baton-blob-{Guid.NewGuid():N}.tmp");
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, BufferSize,
            FileOptions.Asynchronous | FileOptions.DeleteOnClose);
        try
        {
            memory.Position = 0;
            await memory.CopyToAsync(file, cancellationToken);
            await memory.DisposeAsync();
            return file;
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }
}
