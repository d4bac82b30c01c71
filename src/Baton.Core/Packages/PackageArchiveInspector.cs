namespace Baton.Core.Packages;

/// <summary>Caps that protect the server from hostile or accidental package archives.</summary>
public sealed record PackageArchiveLimits
{
    public long MaxArchiveBytes { get; init; } = 100L * 1024 * 1024;
    public int MaxEntries { get; init; } = 10_000;
    public long MaxUncompressedBytes { get; init; } = 1024L * 1024 * 1024;
    /// <summary>Largest allowed uncompressed/compressed ratio, per entry and overall.</summary>
    public double MaxCompressionRatio { get; init; } = 200;
}

/// <summary>
/// Validates a package zip without extracting it to disk: a real zip, no path escaping the root,
/// no symlinks, within the caps, a valid <c>baton.yaml</c> at the root, the entrypoint and the
/// requirements file present.
/// </summary>
public sealed class PackageArchiveInspector(PackageArchiveLimits limits)
{
    public PackageArchiveLimits Limits { get; } = limits;

    /// <summary>Inspects a seekable stream holding the whole archive. Never throws on bad input.</summary>
    public PackageInspection Inspect(Stream archive) => throw new NotImplementedException();
}

/// <summary>Stable codes for why an archive was refused.</summary>
public enum PackageRejection
{
    None,
    NotAZip,
    TooLarge,
    TooManyEntries,
    PathEscapesRoot,
    AbsolutePath,
    Symlink,
    ZipBomb,
    ManifestMissing,
    ManifestInvalid,
    EntrypointNotFound,
    RequirementsNotFound,
}

public sealed record PackageInspection(
    PackageManifest? Manifest,
    PackageRejection Rejection,
    string? Reason,
    int EntryCount,
    long UncompressedBytes)
{
    public bool IsValid => Rejection == PackageRejection.None && Manifest is not null;

    public static PackageInspection Reject(PackageRejection rejection, string reason) => new(null, rejection, reason, 0, 0);
}
