namespace Baton.Storage.Blobs;

/// <summary>Content-addressed blobs (package archives, later log archives and artifacts), keyed by SHA-256 hex.</summary>
public interface IBlobStore
{
    /// <summary>Stores the stream's bytes (once: identical content is stored a single time) and returns its SHA-256 and size.</summary>
    Task<BlobInfo> PutAsync(Stream content, CancellationToken cancellationToken);
    /// <summary>Null when absent.</summary>
    Task<Stream?> OpenReadAsync(string sha256, CancellationToken cancellationToken);
    Task<bool> ExistsAsync(string sha256, CancellationToken cancellationToken);
    Task DeleteAsync(string sha256, CancellationToken cancellationToken);
}

public sealed record BlobInfo(string Sha256, long SizeBytes);
