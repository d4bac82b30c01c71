using Baton.Storage;
using Baton.Storage.Blobs;

namespace Baton.Server.Artifacts;

/// <summary>
/// Deletes content from the blob store once no package version and no artifact of any tenant names it (blobs are
/// content-addressed and shared: an artifact with the same bytes as a package archive is stored once).
/// </summary>
public sealed class ArtifactBlobCollector(IBatonStore store, IBlobStore blobs, ILogger<ArtifactBlobCollector> logger)
{
    public async Task DeleteIfUnusedAsync(string sha256, CancellationToken cancellationToken)
    {
        try
        {
            if (!await store.Packages.IsBlobReferencedAsync(sha256, cancellationToken)) await blobs.DeleteAsync(sha256, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or HttpRequestException)
        {
            // An orphaned blob costs space, not correctness; the next prune of the same content tries again.
            logger.LogWarning(ex, "Could not delete unused blob {Sha256}", sha256);
        }
    }
}
