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

/// <summary>Blob keys: SHA-256s as 64 lower-case hex characters.</summary>
internal static class BlobKeys
{
    /// <summary><paramref name="sha256"/> once checked to be a blob key: no path or object key is ever built from unchecked input.</summary>
    public static string Checked(string sha256) =>
        sha256 is { Length: 64 } && sha256.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'))
            ? sha256
            : throw new ArgumentException("A blob key must be 64 lower-case hex characters (a SHA-256).", nameof(sha256));
}
